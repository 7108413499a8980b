package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// Pods whose first fixes differ are listed with their own fix, those with
// the same fix together; controllers that could not create pods follow.
func TestPendingListText(t *testing.T) {
	l := &diagnose.PendingList{Namespace: "shop", Pods: 3, Groups: []diagnose.CauseGroup{{
		Cause: "0/2 nodes are available: 2 Insufficient cpu.",
		Pods:  []string{"shop/a", "shop/b", "shop/c"},
		PodFixes: []diagnose.PodFix{
			{Pod: "shop/a", Fix: "Not enough cpu free: the pod requests 3."},
			{Pod: "shop/b", Fix: "Not enough cpu free: the pod requests 6."},
			{Pod: "shop/c", Fix: "Not enough cpu free: the pod requests 3."},
		},
	}}, CreateFailures: []diagnose.CreateFailure{{Namespace: "shop", Controller: "Deployment/api", Object: "ReplicaSet/api-1", Count: 3,
		Message: "exceeded quota", Meaning: "The quota refuses the pod.", Fix: "Raise the quota"}}}
	var b strings.Builder
	if err := PendingListText(&b, l, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `3 pods Pending in namespace shop, by cause:

3 pods: 0/2 nodes are available: 2 Insufficient cpu.
  shop/a, shop/b, shop/c
  First fix, pod by pod:
    - shop/a, shop/c:
      Not enough cpu free: the pod requests 3.
    - shop/b:
      Not enough cpu free: the pod requests 6.

Controllers that could not create their pods (they have none pending):
  - Deployment/api (ReplicaSet/api-1) in namespace shop, 3 times: exceeded quota
    The quota refuses the pod.
    What to do: Raise the quota.

` + "`kubectl explain-nodes why-pending KIND/NAME -n NAMESPACE`" + ` explains one controller and its pods.

` + "`kubectl explain-nodes why-pending POD -n NAMESPACE`" + ` explains one pod node by node.
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The scheduler's reasons, explained when the nodes could not be read,
// embed text from the pod's condition, which anyone with pods/status can
// write: it is sanitised like the rest.
func TestDiagnosisTextSanitisesExplainedReasons(t *testing.T) {
	d := &diagnose.Diagnosis{Namespace: "default", Pod: "p", Phase: "Pending", State: diagnose.StateUnschedulable,
		Summary: "The nodes could not be read.",
		MessageReasons: []diagnose.ReasonExplained{{Reason: "node(s) had untolerated taint {evil: \x1b]0;pwned\x07}", Count: 1,
			Meaning: "These nodes carry the taint {evil: \x1b]0;pwned\x07} and the pod does not tolerate it.",
			Fix:     "Add a toleration \x1b[2J for that taint."}}}
	var b strings.Builder
	if err := DiagnosisText(&b, d, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Errorf("control characters reach the terminal:\n%q", b.String())
	}
}
