// Package watcher turns changes under a set of folders into debounced batches of paths, for
// a development runner: a batch means "restart".
//
// # What counts
//
// A file counts when it passes the filters, strongest first: Options.Ignore (an ignored
// folder hides everything below it); Options.Files (counts whatever its extension, and wins
// over the default ignores and .gitignore, so a gitignored dist/ that a binary embeds is
// still watched); the default ignores (DefaultIgnores: VCS folders, node_modules, editors'
// swap and safe-write files, ...) and .gitignore files; Options.Exts. A file given as a root
// always counts. .gitignore files follow git: root and nested ones, the ones above the root
// up to the top of the work tree, and .git/info/exclude; negation, anchoring, "dir/", "**",
// escapes (checked against git check-ignore by the tests). Not read: core.excludesFile.
// Changes to .gitignore files inside the tree take effect at once (newly ignored folders are
// unwatched, newly visible ones walked); the ones above the root and info/exclude are read
// at start only. Ignored folders are pruned before any watch is added: they cost nothing.
//
// Events of files that do not count never start or extend the quiet period. A chmod alone
// is no change (touch is: it moves mtime with ctime). Sockets and pipes are no change. An
// editor's atomic save (temporary file renamed over the real one) is one change of the real
// file: the temporary names are default ignores, the rename target is reported. A folder that
// appears is walked and watched, and the files already in it count; a folder that goes is
// forgotten (if it was moved away, its path counts).
//
// # Cost
//
// With inotify the watcher keeps no per-file state and no paths: about 90 bytes per folder
// (a 64-byte node holding its name and links to its parent and subfolders, and an entry in
// a table from watch id to node); paths are built when a folder is read or a change reported.
// On Linux it talks to inotify directly (fsnotify keeps two maps of paths, which cost more
// than all the rest). Walking reads folders with getdents64 and d_type into reused buffers
// (no allocation per file; two per folder). On 100,000 files in 10,000 folders New returns in
// about 0.1 s with every folder watched, after about 0.1 s of CPU, having allocated 1 MB;
// idle CPU is nil; the watcher adds about 1 MB to the RSS of devrun, which stays near 8 MB
// (go run ./bench/bigtree; go test -bench NewBigTree).
//
// # Limits
//
// When the kernel refuses a watch (ENOSPC: fs.inotify.max_user_watches; EMFILE/ENFILE:
// open files, kqueue) or an inotify instance (fs.inotify.max_user_instances), Warnf says so
// once with the numbers and the sysctl line that raises the limit, and the folders that could
// not be watched are polled instead (at DefaultPollInterval, or Options.Poll). Polled folders
// are not moved back to watches later.
//
// # Queue overflow
//
// See rescan.go: after an overflow the watched folders are rescanned, and files whose mtime
// or ctime is not older than the last moment the watcher knew it had every event are
// reported, in one Batch with Rescan set (nothing relevant changed: no batch). Deleted files
// cannot be named without per-file state: their folder is reported. The watcher never stops
// on an overflow.
//
// # Polling
//
// Options.Poll > 0 polls only (Docker volumes, WSL2, NFS). A polled folder keeps 12 bytes a
// file (name hash, and a hash of size, mtime and inode), compared at each read; a deleted
// file is reported by its folder's path. Each tick spends at most about 4% of one core,
// so a pass over a big tree spans several ticks (100,000 files: about 0.2 s of CPU a pass,
// hence a pass every 5 or 6 s at 500 ms); folders that changed in the last 30 s are read at
// every tick first.
//
// # Symlinks
//
// By default a symlink is a file entry: a symlinked folder is not walked. FollowSymlinks walks
// it, under the link's path, once per real folder (device and inode), so loops end.
package watcher
