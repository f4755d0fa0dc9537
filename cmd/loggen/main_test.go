package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
		wantFiles  bool
	}{
		{"help", []string{"--help"}, 0, "Example:", "", false},
		{"no out", []string{"--seed", "3"}, 2, "", "--out DIR is required", false},
		{"bad end", []string{"--out", "DIR", "--end", "yesterday"}, 2, "", "not an RFC 3339 time", false},
		{"bad span", []string{"--out", "DIR", "--span", "5"}, 2, "", "invalid value", false},
		{"zero requests", []string{"--out", "DIR", "--requests", "0"}, 2, "", "must be positive", false},
		{"stray argument", []string{"--out", "DIR", "extra"}, 2, "", `unexpected argument "extra"`, false},
		{"span too short", []string{"--out", "DIR", "--span", "1m", "--end", "2026-11-22T06:00:00Z"}, 1, "", "shorter than", false},
		{"ok", []string{"--out", "DIR", "--seed", "5", "--requests", "500", "--end", "2026-11-22T06:00:00Z"}, 0, "wrote ", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sample")
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr.String()), "\n"); n > 1 {
				t.Errorf("stderr has %d lines, want a short message: %q", n+1, stderr.String())
			}
			_, err := os.Stat(filepath.Join(dir, "manifest.json"))
			if got := err == nil; got != tt.wantFiles {
				t.Errorf("manifest written = %v, want %v", got, tt.wantFiles)
			}
		})
	}
}
