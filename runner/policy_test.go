package runner

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// live starts a generation, lets it live for age, and returns what its exit decides.
func live(rp *restartPolicy, c *fakeClock, age time.Duration, crashed bool) decision {
	started := c.now()
	c.advance(age)
	return rp.exited(started, crashed)
}

func TestPolicyCrashBackoffDoublesThenGivesUp(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	rp := newRestartPolicy(OnCrash, c.now)
	want := []time.Duration{
		100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond,
		5 * time.Second, 5 * time.Second, 5 * time.Second,
	}
	for i, w := range want {
		d := live(rp, c, 50*time.Millisecond, true)
		if !d.restart || d.delay != w || d.gaveUp {
			t.Fatalf("crash %d: got %+v, want restart in %v", i+1, d, w)
		}
		c.advance(d.delay)
	}
	d := live(rp, c, 50*time.Millisecond, true)
	if d.restart || !d.gaveUp || d.crashes != 10 {
		t.Fatalf("crash 10: got %+v, want gave up after 10", d)
	}
	// Giving up forgets the story: the next crash starts again at the minimum.
	if d := live(rp, c, 50*time.Millisecond, true); !d.restart || d.delay != 100*time.Millisecond {
		t.Fatalf("after giving up: got %+v", d)
	}
}

func TestPolicyLongUptimeResetsBackoff(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	rp := newRestartPolicy(OnCrash, c.now)
	for range 4 {
		live(rp, c, 10*time.Millisecond, true)
	}
	if d := live(rp, c, 10*time.Millisecond, true); d.delay != 1600*time.Millisecond {
		t.Fatalf("5th quick crash: delay %v, want 1.6s", d.delay)
	}
	if d := live(rp, c, 9*time.Second, true); d.delay != 3200*time.Millisecond {
		t.Fatalf("crash after 9s: delay %v, want 3.2s (no reset before 10s)", d.delay)
	}
	if d := live(rp, c, 10*time.Second, true); d.delay != 100*time.Millisecond {
		t.Fatalf("crash after 10s: delay %v, want reset to 100ms", d.delay)
	}
}

func TestPolicySlowCrashBreaksTheStreak(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	rp := newRestartPolicy(OnCrash, c.now)
	for range 9 {
		live(rp, c, 10*time.Millisecond, true)
	}
	if d := live(rp, c, 2*time.Second, true); d.gaveUp || !d.restart {
		t.Fatalf("a crash after 2s must not count as quick: %+v", d)
	}
	for i := range 9 {
		if d := live(rp, c, 10*time.Millisecond, true); d.gaveUp {
			t.Fatalf("gave up after %d quick crashes, want 10", i+1)
		}
	}
	if d := live(rp, c, 10*time.Millisecond, true); !d.gaveUp {
		t.Fatalf("10th quick crash in a row: %+v, want gave up", d)
	}
}

func TestPolicyCleanExit(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	if d := live(newRestartPolicy(OnCrash, c.now), c, time.Second, false); d.restart || d.gaveUp {
		t.Fatalf("on-crash, clean exit: %+v, want wait", d)
	}
	always := newRestartPolicy(Always, c.now)
	if d := live(always, c, time.Second, false); !d.restart || d.delay != 100*time.Millisecond {
		t.Fatalf("always, clean exit: %+v, want restart in 100ms", d)
	}
	if d := live(always, c, time.Second, false); !d.restart || d.delay != 200*time.Millisecond {
		t.Fatalf("always, 2nd clean exit: %+v, want restart in 200ms", d)
	}
}

func TestPolicyNeverAndReset(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	never := newRestartPolicy(Never, c.now)
	for range 12 {
		if d := live(never, c, time.Millisecond, true); d.restart || d.gaveUp {
			t.Fatalf("never: %+v, want wait", d)
		}
	}
	rp := newRestartPolicy(OnCrash, c.now)
	for range 5 {
		live(rp, c, time.Millisecond, true)
	}
	rp.reset()
	if d := live(rp, c, time.Millisecond, true); d.delay != 100*time.Millisecond {
		t.Fatalf("after reset: delay %v, want 100ms", d.delay)
	}
}

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"": OnCrash, "on-crash": OnCrash, "Always": Always, "never": Never} {
		got, err := ParsePolicy(in)
		if err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v", in, got, err, want)
		}
		if in != "" && in != "Always" && got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParsePolicy("sometimes"); err == nil {
		t.Error("ParsePolicy(sometimes): no error")
	}
}
