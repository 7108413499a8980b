package cluster

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// Completion's names: every namespace, and the pods the API
// server selects as Pending in one namespace.
func TestNames(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "web"}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "db"}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
	)
	var selectors []string
	c.PrependReactor("list", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		selectors = append(selectors, a.(clienttesting.ListAction).GetListRestrictions().Fields.String())
		return false, nil, nil
	})
	r := &Reader{Client: c}
	for _, tc := range []struct {
		what string
		read func() ([]string, error)
		want []string
	}{
		{"namespaces", func() ([]string, error) { return r.NamespaceNames(ctx) }, []string{"default", "team"}},
		{"pending pods", func() ([]string, error) { return r.PendingPodNames(ctx, "team") }, []string{"web"}},
	} {
		got, err := tc.read()
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.what, got, err, tc.want)
		}
	}
	if !slices.Equal(selectors, []string{"status.phase=Pending"}) {
		t.Errorf("pod lists selected %q, want only the Pending phase", selectors)
	}
}
