package cluster

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// A node named twice is read, and explained, once.
func TestReadNodesOnceEach(t *testing.T) {
	c := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "b"}})
	s, err := (&Reader{Client: c}).ReadNodes(context.Background(), []string{"a", "b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range s.Nodes {
		names = append(names, n.Name)
	}
	if len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Errorf("nodes read: %v, want [a b]", names)
	}
}

// A failed read keeps, beside its words, the resource, namespace and node
// it read, for the code that asks what could not be read.
func TestGapNamesWhatWasRead(t *testing.T) {
	err := apierrors.NewForbidden(schema.GroupResource{Resource: "leases"}, "", errors.New("no"))
	g := gapFor(about("the lease of node a", "leases").in("kube-node-lease").on("a"), err)
	want := v1alpha1.Gap{What: "the lease of node a", Resource: "leases", Namespace: "kube-node-lease", Node: "a", Reason: "Forbidden", Message: err.Error()}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	gaps := []v1alpha1.Gap{g}
	if !GapIn(gaps, "leases", "") || !GapIn(gaps, "leases", "a") || GapIn(gaps, "leases", "b") || GapIn(gaps, "nodes", "") {
		t.Errorf("GapIn does not match by resource and node: %+v", gaps)
	}
}
