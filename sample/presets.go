package sample

import (
	"bytes"
	"embed"
	"fmt"
	"strings"

	"microfunnel/funnel"
)

// Preset files are plain funnel definitions so that a user can copy one,
// edit it and pass it to --funnel.
//
//go:embed presets/*.json
var presetFS embed.FS

// presetOrder fixes the listing order: business by business (store first),
// each business's macro funnel first. A name here without a file, or a file
// not named here, fails the package's tests.
var presetOrder = []struct {
	name     string
	business Business
}{
	{"store", Store},
	{"store-checkout", Store},
	{"store-wishlist", Store},
	{"service", Service},
	{"service-case-studies", Service},
	{"content", Content},
	{"content-webinar", Content},
}

// Preset is a funnel a business of one type typically starts from.
type Preset struct {
	Name       string
	Business   Business
	File       string // path of the embedded file, e.g. "presets/store.json"
	Definition funnel.Definition
	raw        []byte
}

// JSON is the preset's file exactly as embedded.
func (p Preset) JSON() []byte { return bytes.Clone(p.raw) }

// presets is parsed once; a bad embedded file is a build defect, so it
// panics (and the package's tests catch it first).
var presets = func() []Preset {
	var out []Preset
	for _, o := range presetOrder {
		file := "presets/" + o.name + ".json"
		raw, err := presetFS.ReadFile(file)
		if err != nil {
			panic(fmt.Sprintf("sample: preset %s: %v", o.name, err))
		}
		def, err := funnel.Decode(raw)
		if err != nil {
			panic(fmt.Sprintf("sample: preset %s: %v", file, err))
		}
		out = append(out, Preset{Name: o.name, Business: o.business, File: file, Definition: def, raw: raw})
	}
	return out
}()

// Presets lists every preset: store first, each business's macro funnel
// before its other presets. The Definitions are copies the caller may change.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = p.clone()
	}
	return out
}

// PresetsFor lists the presets of one business type, its macro funnel first.
func PresetsFor(b Business) []Preset {
	var out []Preset
	for _, p := range presets {
		if p.Business == b {
			out = append(out, p.clone())
		}
	}
	return out
}

// MacroPreset is the business type's macro funnel preset (named after the
// business type), the one compare and the first run show.
func MacroPreset(b Business) (Preset, error) { return FindPreset(string(b)) }

// FindPreset returns the preset with the given name.
func FindPreset(name string) (Preset, error) {
	for _, p := range presets {
		if p.Name == name {
			return p.clone(), nil
		}
	}
	return Preset{}, fmt.Errorf("unknown preset %q: known presets are %s", name, strings.Join(PresetNames(), ", "))
}

// PresetNames lists the preset names in the order of Presets.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return names
}

// clone copies the definition so callers cannot edit the shared parsed
// presets.
func (p Preset) clone() Preset {
	p.Definition = p.Definition.Clone()
	return p
}
