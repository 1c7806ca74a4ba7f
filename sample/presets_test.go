package sample

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"microfunnel/funnel"
	"microfunnel/store"
)

func TestPresetFiles(t *testing.T) {
	// Every embedded file is listed in presetOrder and vice versa.
	files, err := fs.Glob(presetFS, "presets/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, p := range Presets() {
		listed = append(listed, p.File)
	}
	slices.Sort(files)
	sorted := slices.Sorted(slices.Values(listed))
	if !slices.Equal(files, sorted) {
		t.Errorf("embedded files %v, presetOrder lists %v", files, sorted)
	}

	emitted := map[Business]map[string]bool{}
	for _, b := range Businesses() {
		emitted[b] = map[string]bool{}
		err := Generate(b, 2000, DefaultSeed, func(r *store.Record) error {
			emitted[b][r.Event] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	for _, p := range Presets() {
		t.Run(p.Name, func(t *testing.T) {
			// The file on disk is what is embedded, and parses strictly.
			disk, err := os.ReadFile(p.File)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(disk, p.JSON()) {
				t.Error("JSON() differs from the file")
			}
			var def funnel.Definition
			dec := json.NewDecoder(bytes.NewReader(p.JSON()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&def); err != nil {
				t.Fatalf("strict parse: %v", err)
			}
			if def.Name != p.Name {
				t.Errorf("name in file %q, preset name %q", def.Name, p.Name)
			}
			if !strings.HasPrefix(p.Name, string(p.Business)) {
				t.Errorf("preset %s of business %s: names start with the business", p.Name, p.Business)
			}
			if def.Description == "" {
				t.Error("no description")
			}
			if len(def.Steps) < funnel.MinSteps || len(def.Steps) > funnel.MaxSteps {
				t.Errorf("%d steps", len(def.Steps))
			}
			if def.Mode != funnel.Sequential {
				t.Errorf("mode %q, want sequential", def.Mode)
			}
			if w := def.Window; w != funnel.DefaultWindow && w != 2*funnel.DefaultWindow {
				t.Errorf("window %s, want 7d (or 14d for paths that span visits)", w)
			}
			all := append(slices.Clone(def.Steps), def.Micro...)
			for _, s := range all {
				if s.Name == "" || len(s.Events) == 0 {
					t.Errorf("step %+v: want a name and events", s)
				}
				for _, e := range s.Events {
					if !emitted[p.Business][e] {
						t.Errorf("step %q uses %s, which the %s generator does not emit", s.Name, e, p.Business)
					}
				}
			}
			if def.By != "" && !slices.Contains([]string{KeyDevice, KeyCountry, KeySource, KeyNewReturn, TypeKey(p.Business)}, def.By) {
				t.Errorf("by %q is not a generated property", def.By)
			}
			// Round trip: what a user copies and passes back reads the same.
			out, err := json.Marshal(def)
			if err != nil {
				t.Fatal(err)
			}
			var back funnel.Definition
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			if again, _ := json.Marshal(back); !bytes.Equal(out, again) {
				t.Errorf("round trip changed the definition:\n%s\n%s", out, again)
			}
		})
	}
}

func TestPresetLookup(t *testing.T) {
	ps := Presets()
	if len(ps) == 0 || ps[0].Name != "store" || ps[0].Business != Store {
		t.Fatalf("Presets() must start with the store macro funnel, got %v", PresetNames())
	}
	for _, b := range Businesses() {
		m, err := MacroPreset(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Definition.Micro) == 0 {
			t.Errorf("%s: macro preset lists no micro conversions", b)
		}
		got := PresetsFor(b)
		if len(got) == 0 || got[0].Name != m.Name {
			t.Errorf("PresetsFor(%s) does not start with its macro preset", b)
		}
		for _, p := range got {
			if p.Business != b {
				t.Errorf("PresetsFor(%s) returned %s of %s", b, p.Name, p.Business)
			}
		}
	}
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"store", false},
		{"store-checkout", false},
		{"content-webinar", false},
		{"shop", true},
		{"", true},
	}
	for _, tt := range tests {
		p, err := FindPreset(tt.name)
		if (err != nil) != tt.wantErr {
			t.Errorf("FindPreset(%q): %v", tt.name, err)
		}
		if err == nil && p.Name != tt.name {
			t.Errorf("FindPreset(%q) = %s", tt.name, p.Name)
		}
		if err != nil && !strings.Contains(err.Error(), strings.Join(PresetNames(), ", ")) {
			t.Errorf("error %q does not list the known presets", err)
		}
	}
	// Callers get copies: editing one must not change the next lookup.
	p, _ := FindPreset("store")
	p.Definition.Steps[0].Events[0] = "changed"
	if q, _ := FindPreset("store"); q.Definition.Steps[0].Events[0] != "view_product" {
		t.Error("editing a returned preset changed the shared one")
	}
}
