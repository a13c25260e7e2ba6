package session

import (
	"context"
	"testing"
	"time"
)

func TestWaitFor(t *testing.T) {
	db := NewReadiness("db", time.Hour)
	cache := NewReadiness("cache", time.Millisecond) // never ready: its timeout passes
	done := make(chan bool)
	var late []string
	go func() {
		done <- WaitFor(context.Background(), []*Readiness{db, cache}, func(d *Readiness) { late = append(late, d.Name) })
	}()
	select {
	case <-done:
		t.Fatal("WaitFor returned before db was ready")
	case <-time.After(10 * time.Millisecond):
	}
	db.Ready()
	db.Ready() // twice is harmless
	if ok := <-done; !ok || len(late) != 1 || late[0] != "cache" {
		t.Fatalf("WaitFor = %v, late %v", ok, late)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if WaitFor(ctx, []*Readiness{NewReadiness("x", time.Hour)}, nil) {
		t.Fatal("WaitFor went on after its context ended")
	}
}
