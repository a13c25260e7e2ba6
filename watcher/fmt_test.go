package watcher

import "fmt"

var sprintf = fmt.Sprintf
