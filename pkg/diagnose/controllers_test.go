package diagnose

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// The messages are the API server's, as the ReplicaSet controller reports
// them in its FailedCreate events (k8s.io/apiserver's resourcequota
// admission, k8s.io/kubernetes plugin/pkg/admission/limitranger).
func TestExplainCreateFailure(t *testing.T) {
	tests := []struct {
		name, msg string
		cause     string
		has       []string
	}{
		{
			name:  "quota",
			msg:   `Error creating: pods "api-6c7f9d8b4-x2v9k" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=9, limited: requests.cpu=10`,
			cause: "ResourceQuota",
			has:   []string{"The ResourceQuota compute in namespace shop refuses the pod: requests.cpu: a pod asks 2, 9 of the 10 allowed is in use, 1 left", "kubectl -n shop edit resourcequota compute"},
		},
		{
			name:  "quota on two resources",
			msg:   `Error creating: pods "api-1" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi,requests.cpu=2, used: limits.memory=7Gi,requests.cpu=9, limited: limits.memory=8Gi,requests.cpu=10`,
			cause: "ResourceQuota",
			has:   []string{"limits.memory: a pod asks 2Gi, 7Gi of the 8Gi allowed is in use, 1Gi left; requests.cpu: a pod asks 2"},
		},
		{
			name:  "quota that needs requests",
			msg:   `Error creating: pods "api-1" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app`,
			cause: "ResourceQuota",
			has:   []string{"must specify limits.cpu for: app; requests.cpu for: app"},
		},
		{
			name:  "limit range maximum",
			msg:   `Error creating: pods "api-1" is forbidden: maximum cpu usage per Container is 1, but limit is 2`,
			cause: "LimitRange",
			has:   []string{"A LimitRange (limits) in namespace shop refuses the pod: the maximum cpu per container is 1, and the template's limit is 2"},
		},
		{
			name:  "limit range, several",
			msg:   `Error creating: pods "api-1" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, minimum memory usage per Container is 64Mi, but request is 32Mi]`,
			cause: "LimitRange",
			has:   []string{"the maximum cpu per container is 1, and the template's limit is 2; the minimum memory per container is 64Mi, and the template's request is 32Mi"},
		},
		{
			name:  "something else",
			msg:   `Error creating: pods "api-1" is forbidden: error looking up service account shop/api: serviceaccount "api" not found`,
			cause: "Other",
		},
	}
	limits := []corev1.LimitRange{{ObjectMeta: metav1.ObjectMeta{Name: "limits"}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cause, meaning, fix := ExplainCreateFailure(tc.msg, "shop", nil, limits)
			if cause != tc.cause {
				t.Errorf("cause %s, want %s", cause, tc.cause)
			}
			for _, s := range tc.has {
				if !strings.Contains(meaning+" "+fix, s) {
					t.Errorf("lacks %q:\n%s\n%s", s, meaning, fix)
				}
			}
		})
	}
}

func TestDiagnoseControllerWithoutPods(t *testing.T) {
	ev := corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Namespace: "shop", Name: "api-6c7f9d8b4"}, Reason: "FailedCreate", Type: corev1.EventTypeWarning,
		Message: `Error creating: pods "api-6c7f9d8b4-x2v9k" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=9, limited: requests.cpu=10`,
		Count:   7, LastTimestamp: metav1.NewTime(now.Add(-30 * 1e9))}
	s := &cluster.ControllerSnapshot{Controller: cluster.Controller{Kind: "Deployment", Namespace: "shop", Name: "api", Desired: 5}, Events: []corev1.Event{ev}}
	d := DiagnoseController(s, now)
	want := "Deployment/api wants 5 pods and has 0: ReplicaSet/api-6c7f9d8b4 cannot create the others (ResourceQuota, 7 times, last 30s ago)."
	if !strings.HasPrefix(d.Summary, want) {
		t.Errorf("summary %q\nwant it to start %q", d.Summary, want)
	}
	if len(d.CreateFailures) != 1 || d.CreateFailures[0].Cause != "ResourceQuota" {
		t.Errorf("create failures %+v", d.CreateFailures)
	}
}
