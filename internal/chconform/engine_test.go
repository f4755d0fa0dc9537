//go:build chdb

package chconform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chdb-io/chdb-go/chdb"
)

// current is the current-release engine: one chDB session for the test
// process (chdb-go allows one), on a data path of its own.
type current struct {
	mu sync.Mutex
	s  *chdb.Session
}

var (
	engineOnce sync.Once
	engine     *current
	engineDir  string
	engineErr  error
)

// TestMain closes the chDB session and removes its data after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if engine != nil {
		engine.s.Close()
	}
	if engineDir != "" {
		_ = os.RemoveAll(engineDir)
	}
	os.Exit(code)
}

// chDB opens the shared session on first use. chDB reads a config.xml from
// the working directory when there is one, so the session starts from an
// empty directory; the working directory is restored afterwards.
func chDB(t *testing.T) *current {
	t.Helper()
	engineOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ratescope-chdb-")
		if err != nil {
			engineErr = err
			return
		}
		engineDir = dir
		wd, err := os.Getwd()
		if err != nil {
			engineErr = err
			return
		}
		if err := os.Chdir(dir); err != nil {
			engineErr = err
			return
		}
		defer func() { _ = os.Chdir(wd) }()
		s, err := chdb.NewSession(filepath.Join(dir, "data"))
		if err != nil {
			engineErr = fmt.Errorf("open chDB session: %w", err)
			return
		}
		engine = &current{s: s}
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// exec runs a statement whose output is not needed.
func (c *current) exec(sql string) error {
	_, err := c.query(sql, "TSV")
	return err
}

func (c *current) query(sql, format string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.s.Query(sql, format)
	if err != nil {
		return nil, err
	}
	defer r.Free()
	if err := r.Error(); err != nil {
		return nil, err
	}
	return bytes.Clone(r.Buf()), nil
}

// version returns the engine's ClickHouse version.
func (c *current) version() (string, error) {
	out, err := c.query("SELECT version()", "TSVRaw")
	return string(bytes.TrimSpace(out)), err
}

// rows runs a SELECT and returns its rows in canonical form (canon.go).
func (c *current) rows(sql string) ([]string, error) {
	out, err := c.query(sql, "JSONCompact")
	if err != nil {
		return nil, err
	}
	var res struct {
		Meta []struct {
			Type string `json:"type"`
		} `json:"meta"`
		Data [][]json.RawMessage `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("decode chDB result: %w", err)
	}
	rows := make([]string, 0, len(res.Data))
	for _, d := range res.Data {
		cells := make([]string, len(d))
		for i, raw := range d {
			v, err := canonJSON(res.Meta[i].Type, raw)
			if err != nil {
				return nil, err
			}
			cells[i] = v
		}
		rows = append(rows, rowKey(cells))
	}
	return rows, nil
}
