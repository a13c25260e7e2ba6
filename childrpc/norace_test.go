//go:build !race

package childrpc

const raceEnabled = false
