package wire

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestInsertLengthGrowsTheVarint(t *testing.T) {
	body := make([]byte, 300) // a two-byte length
	for i := range body {
		body[i] = byte(i)
	}
	dst := append([]byte{0xAA}, body...)
	dst = insertLength(dst, 1)
	v, n := protowire.ConsumeVarint(dst[1:])
	if v != 300 || n != 2 || !reflect.DeepEqual(dst[3:], body) || dst[0] != 0xAA {
		t.Fatalf("insertLength gave length %d (%d bytes) and a body that differs: %v", v, n, dst[:8])
	}
}

func TestEachListItemAndProtobufObject(t *testing.T) {
	web := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop", Annotations: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "registry.example/web:1"}}}}
	list := &corev1.PodList{Items: []corev1.Pod{web, {ObjectMeta: metav1.ObjectMeta{Name: "b"}}}}
	list.Continue = "token"
	s := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme)
	enc, err := runtime.Encode(scheme.Codecs.EncoderForVersion(s, corev1.SchemeGroupVersion), list)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := protobufObject(enc)
	if !ok {
		t.Fatal("protobufObject did not find the list")
	}
	var names []string
	d := NewPodDecoder(PodSummary)
	err = eachListItem(body, func(b []byte) error {
		p, err := d.Decode(b)
		if err == nil {
			names = append(names, p.Name)
		}
		return err
	})
	if err != nil || !reflect.DeepEqual(names, []string{"web-0", "b"}) {
		t.Fatalf("items %v, %v; want web-0 and b", names, err)
	}
	if _, ok := protobufObject([]byte(`{"kind":"PodList"}`)); ok {
		t.Error("JSON taken for protobuf")
	}
}
