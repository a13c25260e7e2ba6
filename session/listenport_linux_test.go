package session

import (
	"net"
	"os"
	"testing"
)

func TestProcAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000:0BB8":                         "127.0.0.1:3000", // every interface: reached on loopback
		"00000000000000000000000000000000:1F90": "127.0.0.1:8080",
		"00000000000000000000000001000000:0050": "[::1]:80",
		"zz:1F90":                               "",
	} {
		if got := procAddr(in); got != want {
			t.Errorf("procAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// The test process's own listening socket is found; a connected one is not.
func TestListeningAddrFindsOwnSocket(t *testing.T) {
	if got := listeningAddr(os.Getpid()); got != "" {
		t.Skipf("the test process already listens on %s", got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := listeningAddr(os.Getpid()); got != ln.Addr().String() {
		t.Fatalf("listeningAddr = %q, want %s", got, ln.Addr())
	}
}
