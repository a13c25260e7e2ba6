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

// TestPolicyCrashLoop is the crash-loop rule as a table: each step is one generation's life and
// how it ended, and what the policy must decide.
func TestPolicyCrashLoop(t *testing.T) {
	const quick, slow = 50 * time.Millisecond, 2 * time.Second
	type step struct {
		age     time.Duration
		crashed bool
		want    decision
	}
	restart := func(d time.Duration, quick bool) decision { return decision{restart: true, delay: d, quick: quick} }
	gaveUp := decision{gaveUp: true, crashes: maxQuickCrashes, quick: true}
	for _, c := range []struct {
		name  string
		steps []step
	}{
		{"an instant crash is retried once, then devrun waits", []step{
			{quick, true, restart(100*time.Millisecond, true)},
			{quick, true, gaveUp},
		}},
		{"giving up forgets the story", []step{
			{quick, true, restart(100*time.Millisecond, true)},
			{quick, true, gaveUp},
			{quick, true, restart(100*time.Millisecond, true)},
		}},
		{"a program that ran a while is restarted with a doubling backoff, never given up on", []step{
			{slow, true, restart(100*time.Millisecond, false)},
			{slow, true, restart(200*time.Millisecond, false)},
			{slow, true, restart(400*time.Millisecond, false)},
			{slow, true, restart(800*time.Millisecond, false)},
			{slow, true, restart(1600*time.Millisecond, false)},
			{slow, true, restart(3200*time.Millisecond, false)},
			{slow, true, restart(5*time.Second, false)},
			{slow, true, restart(5*time.Second, false)},
		}},
		{"a slow crash breaks a streak of quick ones", []step{
			{quick, true, restart(100*time.Millisecond, true)},
			{slow, true, restart(200*time.Millisecond, false)},
			{quick, true, restart(400*time.Millisecond, true)},
			{quick, true, gaveUp},
		}},
		{"10 s of uptime resets the backoff, 9 s does not", []step{
			{slow, true, restart(100*time.Millisecond, false)},
			{slow, true, restart(200*time.Millisecond, false)},
			{9 * time.Second, true, restart(400*time.Millisecond, false)},
			{10 * time.Second, true, restart(100*time.Millisecond, false)},
		}},
		{"a clean exit waits and breaks the streak", []step{
			{quick, true, restart(100*time.Millisecond, true)},
			{quick, false, decision{}},
			{quick, true, restart(200*time.Millisecond, true)},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1000, 0)}
			rp := newRestartPolicy(OnCrash, clock.now)
			for i, s := range c.steps {
				if got := live(rp, clock, s.age, s.crashed); got != s.want {
					t.Fatalf("step %d (lived %v, crashed %v): got %+v, want %+v", i+1, s.age, s.crashed, got, s.want)
				}
				clock.advance(time.Second)
			}
		})
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
	for range 4 {
		if d := live(never, c, time.Millisecond, true); d.restart || d.gaveUp {
			t.Fatalf("never: %+v, want wait", d)
		}
	}
	rp := newRestartPolicy(OnCrash, c.now)
	live(rp, c, time.Millisecond, true)
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
