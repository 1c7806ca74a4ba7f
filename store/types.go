package store

import (
	"errors"

	"microfunnel/dataset"
)

// The records and listings live in the dataset package, which does not link
// SQLite; the names here keep the store's own code short.
type (
	Record      = dataset.Record
	Prop        = dataset.Prop
	DatasetInfo = dataset.Info
	EventCount  = dataset.EventCount
	PropInfo    = dataset.PropInfo
	ValueCount  = dataset.ValueCount
	SavedFunnel = dataset.SavedFunnel
)

// Errors callers can test with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrExists        = errors.New("already exists")
	ErrNotDatabase   = errors.New("not a microfunnel database")
	ErrNewerSchema   = errors.New("database was written by a newer microfunnel")
	ErrAlreadyLoaded = errors.New("this content was already imported into the dataset")
)
