package config

// signalNames are the stop signals devrun accepts, by the names every Unix shares.
var signalNames = []string{"SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGABRT", "SIGALRM", "SIGWINCH"}
