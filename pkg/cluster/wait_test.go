package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func pendingPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "1"}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
}

// waitClient serves the given pods to lists and hands out watches the test
// drives; every list and watch request is recorded.
func waitClient(pods ...*corev1.Pod) (*fake.Clientset, chan *watch.FakeWatcher, *[]string) {
	c := fake.NewClientset()
	watches := make(chan *watch.FakeWatcher, 4)
	var calls []string
	c.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		calls = append(calls, "list "+a.(k8stesting.ListAction).GetListRestrictions().Fields.String())
		l := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "10"}}
		for _, p := range pods {
			l.Items = append(l.Items, *p)
		}
		return true, l, nil
	})
	c.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		calls = append(calls, "watch "+a.(k8stesting.WatchAction).GetWatchRestrictions().ResourceVersion)
		w := watch.NewFakeWithChanSize(4, false)
		watches <- w
		return true, w, nil
	})
	return c, watches, &calls
}

func TestWaitReturnsAtOnceWhenNothingIsPending(t *testing.T) {
	c, _, calls := waitClient()
	r := &Reader{Client: c}
	if err := r.WaitUntilNonePending(context.Background(), "ns", "", ""); err != nil {
		t.Fatal(err)
	}
	if len(*calls) != 1 {
		t.Errorf("want one list and no watch, got %q", *calls)
	}
}

func TestWaitFollowsTheWatch(t *testing.T) {
	c, watches, calls := waitClient(pendingPod("a"), pendingPod("b"))
	r := &Reader{Client: c}
	done := make(chan error, 1)
	go func() { done <- r.WaitUntilNonePending(context.Background(), "ns", "", "") }()

	w := <-watches
	w.Delete(pendingPod("a"))
	w.Add(pendingPod("c")) // a new Pending pod is waited for too
	w.Delete(pendingPod("b"))
	select {
	case err := <-done:
		t.Fatalf("returned while pod c was Pending: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	// The server ends the watch: it is resumed, then c leaves.
	w.Stop()
	w = <-watches
	w.Delete(pendingPod("c"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"list status.phase=Pending", "watch 10", "watch 1"}
	if len(*calls) != len(want) {
		t.Fatalf("calls %q, want %q", *calls, want)
	}
	for i := range want {
		if (*calls)[i] != want[i] {
			t.Errorf("call %d is %q, want %q", i, (*calls)[i], want[i])
		}
	}
}

func TestWaitListsAgainWhenTheWatchIsTooOld(t *testing.T) {
	c, watches, calls := waitClient(pendingPod("a"))
	r := &Reader{Client: c}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.WaitUntilNonePending(ctx, "ns", "a", "") }()
	w := <-watches
	gone := apierrors.NewResourceExpired("too old resource version: 10 (20)")
	w.Error(&gone.ErrStatus)
	<-watches // the second watch, after a second list
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if len(*calls) != 4 || (*calls)[2] != "list metadata.name=a,status.phase=Pending" {
		t.Errorf("calls %q: want list, watch, list, watch", *calls)
	}
}

func TestWaitEndsWithItsTime(t *testing.T) {
	c, _, _ := waitClient(pendingPod("a"))
	r := &Reader{Client: c}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := r.WaitUntilNonePending(ctx, "ns", "", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
}

func TestWaitSaysWhenItMayNotWatch(t *testing.T) {
	c, _, _ := waitClient(pendingPod("a"))
	c.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no watch"))
	})
	r := &Reader{Client: c}
	err := r.WaitUntilNonePending(context.Background(), "ns", "", "")
	if !apierrors.IsForbidden(err) {
		t.Fatalf("want a Forbidden error, got %v", err)
	}
}
