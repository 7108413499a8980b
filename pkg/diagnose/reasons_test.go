package diagnose

import (
	"strings"
	"testing"
)

// The reason table: one row per reason, each worded, none twice, and every
// older wording pointing at a row.
func TestReasonTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range reasonTable {
		if seen[r.reason] {
			t.Errorf("reason %q has two rows", r.reason)
		}
		seen[r.reason] = true
		if r.plugin == "" && r.reason != ReasonNoNodes {
			t.Errorf("reason %q has no plugin", r.reason)
		}
		if !strings.HasSuffix(r.meaning, ".") || !strings.HasSuffix(r.fix, ".") && !strings.HasSuffix(r.fix, "?") {
			t.Errorf("reason %q: meaning and fix are sentences: %q / %q", r.reason, r.meaning, r.fix)
		}
		for _, l := range r.legacy {
			if got := canonicalReason(l); got != r.reason {
				t.Errorf("older wording %q folds into %q, want %q", l, got, r.reason)
			}
			if seen[l] {
				t.Errorf("older wording %q is also a reason of its own", l)
			}
		}
	}
	// Every reason a filter of this tool gives is in the table and checked.
	for _, r := range []string{ReasonNodeName, ReasonUnschedulable, ReasonUntoleratedTaint, ReasonNodeAffinity, ReasonPreFilterNodeAffinity,
		ReasonNodeAffinityConflict, ReasonNodePorts, ReasonTooManyPods, ReasonPodAffinity, ReasonPodAntiAffinity, ReasonExistingAntiAffinity,
		ReasonTopologySpread, ReasonTopologySpreadMissLabel, ReasonUnboundImmediate, ReasonVolumeNodeAffinity, ReasonPVNotExist,
		ReasonBindConflict, ReasonVolumeZone, ReasonRWOPInUse, ReasonMaxVolumes, "Insufficient cpu", `persistentvolumeclaim "x" not found`} {
		if !knownReason(r) {
			t.Errorf("%q is given by a filter of this tool but is not known as checked", r)
		}
	}
	for _, r := range []string{ReasonNotEnoughStorage, ReasonDiskConflict, ReasonEnforcedNodeAffinity, "node(s) had a custom plugin say no"} {
		if knownReason(r) {
			t.Errorf("%q comes from a check this tool does not evaluate", r)
		}
	}
}
