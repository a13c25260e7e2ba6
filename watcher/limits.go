package watcher

import (
	"errors"
	"syscall"
)

// isLimitErr reports whether adding a watch failed on a kernel limit: ENOSPC is inotify's
// max_user_watches, EMFILE and ENFILE are open-file limits (kqueue needs a descriptor per
// watched file and folder).
func isLimitErr(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// warnWatchLimit says, once, that the watch limit was hit, with the numbers and the fix.
func (s *state) warnWatchLimit(err error) {
	st := s.w.Stats()
	wanted := st.FoldersWatched + st.FoldersPolled
	s.warn.once("watch-limit", "%s; %d of %d folders are watched, the other %d are polled every %v instead. %s",
		watchLimitProblem(err), st.FoldersWatched, wanted, st.FoldersPolled, s.pollEvery, watchLimitAdvice(err, wanted))
}

// warnNoInstance says, once, that no notification instance could be created.
func (s *state) warnNoInstance(err error) {
	st := s.w.Stats()
	s.warn.once("instance-limit", "%s; polling all %d folders every %v instead. %s",
		instanceProblem(err), st.FoldersPolled, s.pollEvery, instanceAdvice(err))
}
