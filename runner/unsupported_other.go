//go:build !unix

package runner

import (
	"errors"
	"os"
	"syscall"
)

// errUnsupported: process groups, Pdeathsig, fd passing and the guardian are Unix things.
var errUnsupported = errors.New("runner: process supervision needs Linux, macOS or another Unix system")

type group struct{ pid int }

func startGroup(*procSpec, func(exitStatus), func()) (*group, error) { return nil, errUnsupported }
func (g *group) signal(syscall.Signal)                               {}
func (g *group) stop(syscall.Signal)                                 {}
func prepareHost() error                                             { return nil }
func viaShim(*procSpec) (*procSpec, error)                           { return nil, errUnsupported }
func runShim(string)                                                 {}
func runGuardian()                                                   {}
func channelPair() (*os.File, uintptr, error)                        { return nil, 0, errUnsupported }
func closeFD(uintptr)                                                {}
