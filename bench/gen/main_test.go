package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "--shape is required"},
		{[]string{"--shape", "csv", "--events", "5", "--out", "x"}, `unknown --shape "csv"`},
		{[]string{"--shape", "ga4", "--out", "x"}, "--events must be a positive"},
		{[]string{"--shape", "ga4", "--events", "-3", "--out", "x"}, "--events must be a positive"},
		{[]string{"--shape", "ga4", "--events", "5"}, "--out is required"},
		{[]string{"--shape", "ga4", "--events", "5", "--out", "x", "more"}, `unexpected argument "more"`},
		{[]string{"--events", "many"}, "invalid value"},
	} {
		err := run(tc.args, &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: %v, want a usage error saying %q", tc.args, err, tc.says)
		}
	}
	err := run([]string{"--shape", "rees46", "--events", "5", "--out", filepath.Join(t.TempDir(), "no", "such", "dir")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || errors.Is(err, errUsage) {
		t.Errorf("an unwritable --out: %v, want an I/O error", err)
	}
}

func TestWritesEachShape(t *testing.T) {
	dir := t.TempDir()
	for _, shape := range []string{"rees46", "ga4", "synthetic"} {
		out := filepath.Join(dir, shape)
		var stderr bytes.Buffer
		if err := run([]string{"--shape", shape, "--events", "300", "--seed", "9", "--out", out}, &bytes.Buffer{}, &stderr); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(string(b), "\n")
		if shape != "ga4" {
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			lines = len(rows) - 1
		}
		if lines != 300 || !strings.Contains(stderr.String(), "300 events") {
			t.Errorf("%s: %d events written, stderr %q", shape, lines, stderr.String())
		}
	}
	var stdout bytes.Buffer
	if err := run([]string{"--shape", "synthetic", "--events", "10", "--out", "-"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "user_id,event,timestamp") {
		t.Errorf("--out - wrote %q", stdout.String())
	}
}
