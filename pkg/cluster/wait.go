package cluster

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// WaitUntilNonePending watches the Pending pods of a namespace ("" for all),
// or the one pod named, until none is left or ctx ends. It lists once, then
// watches from that list's resource version with the same field selector, so
// the API server sends only changes: a pod that leaves the Pending phase, or
// is deleted, leaves the watch. A watch the server ends is resumed where it
// stopped, and one too old to resume starts again from a new list.
//
// It returns nil when no selected pod is Pending, ctx's error when ctx ended
// first, and the API's error when the pods cannot be listed or watched. A pod
// created after it returns is not waited for.
func (r *Reader) WaitUntilNonePending(ctx context.Context, namespace, name, selector string) error {
	sel := fields.Set{"status.phase": string(corev1.PodPending)}
	if name != "" {
		sel["metadata.name"] = name
	}
	opts := metav1.ListOptions{FieldSelector: sel.AsSelector().String(), LabelSelector: selector}
	pods := r.Client.CoreV1().Pods(namespace)
	pending := map[string]bool{}
	rv := ""
	for {
		if rv == "" {
			list, err := pods.List(ctx, opts)
			if err != nil {
				return waitError(ctx, "listing", err)
			}
			clear(pending)
			for i := range list.Items {
				pending[list.Items[i].Namespace+"/"+list.Items[i].Name] = true
			}
			rv = list.ResourceVersion
		}
		if len(pending) == 0 {
			return nil
		}
		o := opts
		o.ResourceVersion, o.AllowWatchBookmarks = rv, true
		w, err := pods.Watch(ctx, o)
		if err != nil {
			return waitError(ctx, "watching", err)
		}
		rv, err = follow(ctx, w, pending, rv)
		w.Stop()
		if err != nil {
			return err
		}
	}
}

// follow applies a watch's events to pending until no pod is left, the
// watch ends (it returns the resource version to resume from, "" to list
// again) or ctx ends.
func follow(ctx context.Context, w watch.Interface, pending map[string]bool, rv string) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return rv, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, nil
			}
			if ev.Type == watch.Error {
				err := apierrors.FromObject(ev.Object)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || statusCode(err) == http.StatusGone {
					return "", nil
				}
				return rv, waitError(ctx, "watching", err)
			}
			m, err := meta.Accessor(ev.Object)
			if err != nil {
				continue
			}
			rv = m.GetResourceVersion()
			switch key := m.GetNamespace() + "/" + m.GetName(); ev.Type {
			case watch.Added, watch.Modified:
				pending[key] = true
			case watch.Deleted:
				delete(pending, key)
			}
			if len(pending) == 0 {
				return rv, nil
			}
		}
	}
}

func statusCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Code
	}
	return 0
}

func waitError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%s pending pods: %w", doing, err)
}
