package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// A shape is a vendor's export format, recognised by content (or forced
// with ImportOptions.Shape): which fields are the user, the event and the
// time, which prefixes to drop from property keys, which rows are identity
// calls that link ids instead of being events, and which field is the
// vendor's de-duplication id.
type shape struct {
	name  string
	label string // for the summary: "a Segment export"
	// strip: a key with one of these prefixes loses it (properties.$os
	// becomes $os).
	strip []string
	// user lists the user id fields, the first non-empty one wins; every
	// other non-empty one on the same row is linked to it.
	user        []string
	event, time []string // the first non-empty one
	dedup       string   // the de-duplication id, after stripping ("" none)
	// call classifies a row: an event (maybe renamed), an identity call with
	// its links, or a row left out.
	call func(get func(string) string) rowKind
	// drop are fields that are part of the shape's envelope, not properties.
	drop []string
}

type rowKind struct {
	identity bool        // an identity call: links ids, is not an event
	skip     string      // a call left out ("group"), counted
	event    string      // the event name when it is not the event field
	links    [][2]string // (id, the id it is the same person as)
}

// Shapes are the shapes import recognises, by name.
var shapes = map[string]*shape{
	"segment": {
		name: "segment", label: "a Segment export",
		strip: []string{"properties."},
		user:  []string{"userId", "anonymousId"},
		event: []string{"event"}, time: []string{"timestamp", "originalTimestamp", "sentAt", "receivedAt"},
		dedup: "messageId",
		drop:  []string{"type"},
		call: func(get func(string) string) rowKind {
			switch get("type") {
			case "identify":
				return rowKind{identity: true, links: [][2]string{{get("anonymousId"), get("userId")}}}
			case "alias":
				return rowKind{identity: true, links: [][2]string{{get("previousId"), get("userId")}}}
			case "group":
				return rowKind{skip: "group"}
			case "page", "screen":
				name := get("name")
				if name == "" {
					name = get("type")
				}
				return rowKind{event: name}
			}
			return rowKind{}
		},
	},
	"mixpanel": {
		name: "mixpanel", label: "a Mixpanel export",
		strip: []string{"properties."},
		user:  []string{"$user_id", "distinct_id", "$device_id"},
		event: []string{"event"}, time: []string{"time"},
		dedup: "$insert_id",
		call: func(get func(string) string) rowKind {
			switch get("event") {
			case "$identify":
				return rowKind{identity: true, links: [][2]string{{get("$anon_id"), get("$identified_id")}}}
			case "$create_alias":
				return rowKind{identity: true, links: [][2]string{{get("alias"), get("distinct_id")}}}
			case "$merge":
				var ids []string
				json.Unmarshal([]byte(get("$distinct_ids")), &ids)
				k := rowKind{identity: true}
				for _, id := range ids[min(1, len(ids)):] {
					k.links = append(k.links, [2]string{id, ids[0]})
				}
				return k
			}
			return rowKind{}
		},
	},
	"posthog": {
		name: "posthog", label: "a PostHog export",
		strip: []string{"properties."},
		user:  []string{"distinct_id"},
		event: []string{"event"}, time: []string{"timestamp"},
		dedup: "uuid",
		call: func(get func(string) string) rowKind {
			switch get("event") {
			case "$identify":
				return rowKind{identity: true, links: [][2]string{{get("$anon_distinct_id"), get("distinct_id")}}}
			case "$create_alias":
				return rowKind{identity: true, links: [][2]string{{get("alias"), get("distinct_id")}}}
			}
			return rowKind{}
		},
	},
	"amplitude": {
		name: "amplitude", label: "an Amplitude export",
		strip: []string{"event_properties."},
		user:  []string{"user_id", "device_id"},
		event: []string{"event_type"}, time: []string{"event_time", "client_event_time", "server_upload_time"},
		dedup: "insert_id",
		call:  func(func(string) string) rowKind { return rowKind{} },
	},
	"ga4": {
		name: "ga4", label: "a GA4 BigQuery export",
		user:  []string{"user_id", "user_pseudo_id"},
		event: []string{"event_name"}, time: []string{"event_timestamp"},
		call: func(func(string) string) rowKind { return rowKind{} },
	},
}

// ShapeNames lists the shapes for --shape.
var ShapeNames = []string{"segment", "mixpanel", "posthog", "amplitude", "ga4"}

func shapeByName(name string) (*shape, error) {
	if sh := shapes[strings.ToLower(name)]; sh != nil {
		return sh, nil
	}
	return nil, fmt.Errorf("unknown --shape %q: want %s", name, strings.Join(ShapeNames, ", "))
}

// detectShape recognises a vendor export by its first JSON line.
func detectShape(head []byte) *shape {
	line, _, _ := bytes.Cut(bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"), []byte("\n"))
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return nil
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				return false
			}
		}
		return true
	}
	var props map[string]json.RawMessage
	json.Unmarshal(obj["properties"], &props)
	inProps := func(k string) bool { _, ok := props[k]; return ok }
	var typ string
	json.Unmarshal(obj["type"], &typ)
	switch {
	case has("event_name", "user_pseudo_id", "event_timestamp"):
		return shapes["ga4"]
	case has("event_type") && (has("device_id") || has("amplitude_id")):
		return shapes["amplitude"]
	case (typ == "track" || typ == "page" || typ == "screen" || typ == "identify" || typ == "alias" || typ == "group") &&
		(has("messageId") || has("anonymousId") || has("userId")):
		return shapes["segment"]
	case has("event", "distinct_id") && (has("uuid") || has("timestamp")):
		return shapes["posthog"]
	case has("event", "properties") && inProps("distinct_id"):
		return shapes["mixpanel"]
	}
	return nil
}
