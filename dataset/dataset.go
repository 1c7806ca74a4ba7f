// Package dataset holds the records and listings that pass between the
// store and its users (the sample generator, the dashboard, the commands),
// so that they need not link the SQLite store to name them.
package dataset

import (
	"time"

	"microfunnel/funnel"
)

// Record is one event on its way into the store, from an import or the
// sample generator.
type Record struct {
	User  string
	Time  int64 // ms since the Unix epoch, UTC
	Event string
	Props []Prop
}

// Prop is one property of a Record. An empty Value is no value.
type Prop struct{ Key, Value string }

// Info describes one dataset.
type Info struct {
	Name    string    `json:"name"`
	Events  int64     `json:"events"`
	Users   int64     `json:"users"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	Version int64     `json:"version"` // grows on every change to the dataset's events
}

// EventCount is one event name with its counts.
type EventCount struct {
	Name   string `json:"name"`
	Events int64  `json:"events"`
	Users  int64  `json:"users"`
}

// PropInfo is one property key with its number of distinct values.
type PropInfo struct {
	Key      string `json:"key"`
	Distinct int64  `json:"distinct"`
	Events   int64  `json:"events"` // events that have a value
	Type     string `json:"type"`   // "number" when every value is one, else "text"
}

// ValueCount is one value of a property with the events carrying it.
type ValueCount struct {
	Value  string `json:"value"`
	Events int64  `json:"events"`
	Users  int64  `json:"users"`
}

// SavedFunnel is a funnel definition saved under a name for a dataset.
type SavedFunnel struct {
	Name       string            `json:"name"`
	Dataset    string            `json:"dataset"`
	Definition funnel.Definition `json:"definition"`
	Saved      time.Time         `json:"saved"`
}
