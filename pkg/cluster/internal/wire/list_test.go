package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
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
	pods := func(names ...string) *corev1.PodList {
		list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "42"}}
		for _, n := range names {
			list.Items = append(list.Items, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: n, Annotations: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "i"}}}})
		}
		return list
	}
	whole := encode(t, pods("a", "b", "c"), runtime.ContentTypeProtobuf)
	for _, tc := range []struct {
		name      string
		body      []byte
		status    int // the server refuses the list with this code
		want      []string
		noStream  bool
		plainFail bool
	}{
		{name: "a whole list", body: whole, want: []string{"a", "b", "c"}},
		{name: "an empty list", body: encode(t, pods(), runtime.ContentTypeProtobuf), want: nil},
		{name: "a list cut inside an item", body: whole[:len(whole)-10], noStream: true},
		{name: "a list cut inside a length", body: whole[:len(protobufMagic)+1], noStream: true},
		{name: "the magic alone", body: protobufMagic, noStream: true},
		{name: "a list's length, then nothing", body: []byte("k8s\x00\x12\xff\xff\x03"), noStream: true},
		{name: "a list in JSON", body: encode(t, pods("a"), runtime.ContentTypeJSON), noStream: true},
		{name: "the server refuses the list", status: http.StatusForbidden},
		{name: "the server cannot be reached", plainFail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if q.Get("resourceVersion") != "0" || q.Has("limit") || q.Get("fieldSelector") != "spec.nodeName!=" {
					t.Errorf("not a whole list from the cache: %s", r.URL.RawQuery)
				}
				if tc.status != 0 {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":%d,"message":"no list"}`, tc.status)
					return
				}
				w.Write(tc.body)
			}))
			url := srv.URL
			if tc.plainFail {
				srv.Close()
			} else {
				defer srv.Close()
			}
			rc := restClient(t, url)
			var got []string
			get := func() *rest.Request { return rc.Get().Resource("pods") }
			d := NewPodDecoder(BoundPod)
			err := streamItems(context.Background(), get, metav1.ListOptions{FieldSelector: "spec.nodeName!=", Limit: 500}, func(b []byte) error {
				p, err := d.Decode(b)
				if err == nil {
					got = append(got, p.Name)
				}
				return err
			})
			switch {
			case tc.noStream:
				if !errors.Is(err, errNoStream) {
					t.Errorf("err = %v, want errNoStream", err)
				}
			case tc.status != 0:
				if !apierrors.IsForbidden(err) {
					t.Errorf("err = %v, want the server's refusal", err)
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

// restClient returns a client of the core API at url.
func restClient(t *testing.T, url string) *rest.RESTClient {
	t.Helper()
	rc, err := rest.RESTClientFor(&rest.Config{Host: url, APIPath: "/api", ContentConfig: rest.ContentConfig{
		GroupVersion: &corev1.SchemeGroupVersion, NegotiatedSerializer: scheme.Codecs.WithoutConversion()}})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// TestPages reads a list of three pages, in protobuf (items handed over
// still encoded) and in JSON (pages decoded whole).
func TestPages(t *testing.T) {
	for _, mediaType := range []string{runtime.ContentTypeProtobuf, runtime.ContentTypeJSON} {
		t.Run(mediaType, func(t *testing.T) {
			pages := map[string]*corev1.PodList{"": podList("p2", 2), "p2": podList("p3", 1), "p3": podList("", 3)}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				if q.Get("limit") != "500" {
					t.Errorf("limit = %q", q.Get("limit"))
				}
				list, ok := pages[q.Get("continue")]
				if !ok {
					t.Errorf("unknown continue token %q", q.Get("continue"))
					return
				}
				w.Header().Set("Content-Type", mediaType)
				w.Write(encode(t, list, mediaType))
			}))
			defer srv.Close()
			rc := restClient(t, srv.URL)
			items, lists := 0, 0
			l := List{Get: func() *rest.Request { return rc.Get().Resource("pods") }, NewList: func() runtime.Object { return &corev1.PodList{} }, PageSize: 500}
			err := l.pages(context.Background(),
				func(b []byte) error {
					p := &corev1.Pod{}
					if err := p.Unmarshal(b); err != nil || p.Spec.NodeName != "n1" {
						t.Errorf("item %+v, %v", p, err)
					}
					items++
					return nil
				},
				func(obj runtime.Object) error {
					lists++
					items += len(obj.(*corev1.PodList).Items)
					return nil
				}, func() { t.Error("reset without a restart") })
			if err != nil {
				t.Fatal(err)
			}
			wantLists := 0
			if mediaType == runtime.ContentTypeJSON {
				wantLists = 3
			}
			if items != 6 || lists != wantLists {
				t.Errorf("%d items in %d decoded pages, want 6 in %d", items, lists, wantLists)
			}
		})
	}
}
