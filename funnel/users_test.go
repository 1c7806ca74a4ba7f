package funnel

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"
)

// refUsers is the reference's counted users (users counting) of one segment
// ("" for all): index, furthest step, time of the chain's event there.
func refUsers(want refResult, ev *Events, seg string) []UserAt {
	named := map[string]bool{}
	for _, s := range want.segs {
		named[s.value] = true
	}
	var out []UserAt
	for _, u := range want.units {
		switch {
		case seg == "":
		case seg == NoneSegment && u.value != "":
			continue
		case seg == OtherSegment && (u.value == "" || named[u.value]):
			continue
		case seg != NoneSegment && seg != OtherSegment && u.value != seg:
			continue
		}
		chain := make([]uint32, u.level)
		for k := range chain {
			chain[k] = uint32(u.pos[k])
		}
		out = append(out, UserAt{User: u.user, Level: u.level, Last: ev.Time[u.pos[u.level-1]], Chain: chain})
	}
	return out
}

func scanAll(t *testing.T, d *Definition, ev *Events) []UserAt {
	t.Helper()
	s, err := NewUserScan(d, ev)
	if err != nil {
		t.Fatalf("NewUserScan: %v", err)
	}
	var out []UserAt
	for {
		u, ok := s.Next()
		if !ok {
			return out
		}
		u.Chain = append([]uint32(nil), u.Chain...) // valid until the next Next
		out = append(out, u)
	}
}

func TestUserScanMatchesReference(t *testing.T) {
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	r := rand.New(rand.NewSource(12))
	seen := 0
	for i := 0; i < iters; i++ {
		d, evs := randCase(r)
		ev := buildEvents(evs)
		d.Count = Users
		dj, _ := json.Marshal(d)
		ref := reference(d, ev)
		if d.By != "" && len(ref.segs) > 0 {
			seg := ref.segs[r.Intn(len(ref.segs))].value
			ds := *d
			ds.Segment, ds.By = &SegmentFilter{Key: d.By, Value: seg}, ""
			got, want := scanAll(t, &ds, ev), refUsers(ref, ev, seg)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("definition %s segment %s\nevents %s\ngot %+v\nwant %+v", dj, seg, dumpEvents(ev), got, want)
			}
		}
		d.By = ""
		got, want := scanAll(t, d, ev), refUsers(ref, ev, "")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("definition %s\nevents %s\ngot %+v\nwant %+v", dj, dumpEvents(ev), got, want)
		}
		seen += len(got)
	}
	if seen == 0 {
		t.Fatal("no users checked")
	}
}
