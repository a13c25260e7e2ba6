//go:build !unix

package watcher

import (
	"errors"
	"runtime"
)

var errUnsupported = errors.New("watcher: not supported on " + runtime.GOOS + " (devrun runs on Linux and macOS)")

func platformSupported() error { return errUnsupported }

type dirList struct{ ents []dirEnt }

func (d *dirList) open(string) error                { return errUnsupported }
func (d *dirList) close()                           {}
func (d *dirList) len() int                         { return 0 }
func (d *dirList) name(int) string                  { return "" }
func (d *dirList) stat(int, bool) (fileInfo, error) { return fileInfo{}, errUnsupported }
func (d *dirList) statSelf() (fileInfo, error)      { return fileInfo{}, errUnsupported }
func lstatPath(string) (fileInfo, error)            { return fileInfo{}, errUnsupported }
func statPath(string) (fileInfo, error)             { return fileInfo{}, errUnsupported }
