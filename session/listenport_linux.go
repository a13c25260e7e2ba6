package session

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// CanFindPorts: --browser without an address to forward to follows the port the program opens.
const CanFindPorts = true

// listeningAddr is where to reach the first TCP socket (by descriptor number) that process
// pid listens on, or "" when it listens on none yet. It reads /proc: the process's socket
// descriptors and its network namespace's socket tables.
func listeningAddr(pid int) string {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		return ""
	}
	fdOf := map[string]int{} // socket inode -> descriptor
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			fd, _ := strconv.Atoi(e.Name())
			fdOf[strings.TrimSuffix(inode, "]")] = fd
		}
	}
	type found struct {
		fd   int
		addr string
	}
	var all []found
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			if fd, ok := fdOf[fields[9]]; ok {
				if addr := procAddr(fields[1]); addr != "" {
					all = append(all, found{fd, addr})
				}
			}
		}
		f.Close()
	}
	if len(all) == 0 {
		return ""
	}
	sort.Slice(all, func(i, j int) bool { return all[i].fd < all[j].fd })
	return all[0].addr
}

// procAddr decodes /proc/net/tcp's "0100007F:1F90" (the address in host byte order, 32-bit
// words) into a dialable host:port; a socket on every interface is reached on loopback.
func procAddr(s string) string {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(hexIP)
	port, perr := strconv.ParseUint(hexPort, 16, 16)
	if !ok || err != nil || perr != nil || (len(raw) != 4 && len(raw) != 16) {
		return ""
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 { // each 32-bit word is little-endian
		ip[i], ip[i+1], ip[i+2], ip[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.FormatUint(port, 10))
}
