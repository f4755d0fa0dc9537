package follow

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// globErrors is filepath.Glob that reports the errors filepath.Glob
// ignores: a directory that cannot be listed (no file descriptor left,
// no permission) is an error, not an empty match — otherwise every
// followed file would look deleted the moment descriptors run out. A
// directory that does not exist is no error: it matches nothing.
func globErrors(pattern string) ([]string, error) {
	if !hasMeta(pattern) {
		if _, err := os.Lstat(pattern); err != nil {
			if missing(err) {
				return nil, nil
			}
			return nil, err
		}
		return []string{pattern}, nil
	}
	dir, file := filepath.Split(pattern)
	dir = cleanDir(dir)
	if _, err := filepath.Match(file, ""); err != nil {
		return nil, nil // a bad pattern matches nothing (New refuses them)
	}
	dirs := []string{dir}
	if hasMeta(dir) && dir != pattern {
		var err error
		if dirs, err = globErrors(dir); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			if missing(err) || errors.Is(err, syscall.ENOTDIR) {
				continue
			}
			return nil, err
		}
		for _, e := range entries {
			if ok, _ := filepath.Match(file, e.Name()); ok {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out, nil
}

func missing(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// cleanDir is filepath.Split's directory without its trailing separator
// ("." for none, "/" for the root).
func cleanDir(dir string) string {
	switch dir {
	case "":
		return "."
	case string(filepath.Separator):
		return dir
	}
	return dir[:len(dir)-1]
}

// outOfDescriptors reports whether err says the process or the system
// has no file descriptor left (EMFILE, ENFILE).
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
