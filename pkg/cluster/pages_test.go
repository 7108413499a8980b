package cluster

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
)

// encode returns a list as the API server sends it in protobuf.
func encode(t *testing.T, obj runtime.Object, mediaType string) []byte {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), mediaType)
	if !ok {
		t.Fatalf("no serializer for %s", mediaType)
	}
	var buf bytes.Buffer
	enc := scheme.Codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion)
	if err := enc.Encode(obj, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func podList(token string, pods int) *corev1.PodList {
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: token}}
	for i := 0; i < pods; i++ {
		list.Items = append(list.Items, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"continue": "not-this"}},
			Spec:       corev1.PodSpec{NodeName: "n1"},
		})
	}
	return list
}

func TestContinueToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		list  runtime.Object
		want  string
		found bool
	}{
		{"a token before the items", podList("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0IjoibnMvcCJ9", 3), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0IjoibnMvcCJ9", true},
		{"the last page", podList("", 3), "", true},
		{"an empty page", podList("", 0), "", true},
		{"nodes", &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: "tok"}, Items: []corev1.Node{{}}}, "tok", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := encode(t, tc.list, runtime.ContentTypeProtobuf)
			got, found := continueToken(raw)
			if got != tc.want || found != tc.found {
				t.Errorf("continueToken = %q, %v; want %q, %v", got, found, tc.want, tc.found)
			}
		})
	}
}

func TestContinueTokenNotProtobuf(t *testing.T) {
	for name, body := range map[string][]byte{
		"JSON":       encode(t, podList("tok", 1), runtime.ContentTypeJSON),
		"empty":      nil,
		"magic only": protobufMagic,
		"truncated":  encode(t, podList("tok", 1), runtime.ContentTypeProtobuf)[:7],
		"garbage":    append(append([]byte{}, protobufMagic...), 0xff, 0xff, 0xff),
	} {
		if tok, found := continueToken(body); found {
			t.Errorf("%s: found token %q, want none found", name, tok)
		}
	}
}

func TestStreamItems(t *testing.T) {
	pod := func(name string, annotations map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations}}
	}
	end := pod("", map[string]string{initialEventsEnd: "true"})
	type event struct {
		typ watch.EventType
		obj runtime.Object
	}
	for _, tc := range []struct {
		name      string
		events    []event
		close     bool
		want      []string
		noStream  bool
		watchErr  error
		plainFail bool
	}{
		{name: "objects, then the closing bookmark",
			events: []event{{watch.Added, pod("a", nil)}, {watch.Bookmark, pod("", nil)}, {watch.Added, pod("b", nil)}, {watch.Bookmark, end}, {watch.Added, pod("late", nil)}},
			want:   []string{"a", "b"}},
		{name: "a change before the bookmark ends the list",
			events: []event{{watch.Added, pod("a", nil)}, {watch.Modified, pod("a", nil)}, {watch.Added, pod("c", nil)}},
			want:   []string{"a"}},
		{name: "a stream that ends early",
			events: []event{{watch.Added, pod("a", nil)}}, close: true, noStream: true},
		{name: "an error in the stream",
			events:   []event{{watch.Error, &apierrors.NewGone("too old").ErrStatus}},
			noStream: true},
		{name: "the server refuses the stream",
			watchErr: apierrors.NewForbidden(corev1.Resource("pods"), "", errors.New("no watch")), noStream: true},
		{name: "the server cannot be reached",
			watchErr: errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), plainFail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := watch.NewFakeWithChanSize(len(tc.events), false)
			for _, e := range tc.events {
				fake.Action(e.typ, e.obj)
			}
			if tc.close {
				fake.Stop()
			}
			var got []string
			err := streamItems(context.Background(), func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				if opts.SendInitialEvents == nil || !*opts.SendInitialEvents || !opts.AllowWatchBookmarks || opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
					t.Errorf("not a streaming list: %+v", opts)
				}
				if tc.watchErr != nil {
					return nil, tc.watchErr
				}
				return fake, nil
			}, metav1.ListOptions{}, func(obj runtime.Object) error {
				got = append(got, obj.(*corev1.Pod).Name)
				return nil
			})
			switch {
			case tc.noStream:
				if !errors.Is(err, errNoStream) {
					t.Errorf("err = %v, want errNoStream", err)
				}
			case tc.plainFail:
				if err == nil || errors.Is(err, errNoStream) {
					t.Errorf("err = %v, want the connection error itself", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
