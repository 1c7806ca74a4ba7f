package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line bar on a terminal's stderr, at most every 100 ms;
// a nil *progress draws nothing, so callers need no checks.
type progress struct {
	w     io.Writer
	label string
	total int64 // 0 when unknown
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, on bool, label string, total int64) *progress {
	if !on {
		return nil
	}
	return &progress{w: w, label: label, total: total}
}

func (p *progress) set(done int64, unit string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond && (p.total == 0 || done < p.total) {
		return
	}
	p.last = time.Now()
	p.shown = true
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r\x1b[K%s %s %s", p.label, count(done), unit)
		return
	}
	frac := min(1, float64(done)/float64(p.total))
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(p.w, "\r\x1b[K%s [%s%s] %3.0f%%", p.label, strings.Repeat("=", full), strings.Repeat(" ", width-full), frac*100)
}

// done clears the bar so the summary line that follows stands alone.
func (p *progress) done() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
}
