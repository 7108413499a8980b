package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// A mask names the fields of a protobuf message to keep. A field that maps to
// nil is kept whole; one that maps to a mask is a message (or, repeated, a
// list of messages) whose own fields are masked in turn. Keys, when set, makes
// the mask apply to the entries of a map field: only the entries with one of
// these keys are kept.
type mask struct {
	fields map[protowire.Number]*mask
	keys   []string
}

// Field numbers from k8s.io/api/core/v1/generated.proto and
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto.
var (
	// containerMask keeps what the scheduler counts of a container: its
	// name, ports, resources and restart policy (sidecars).
	containerMask = &mask{fields: map[protowire.Number]*mask{
		1:  nil, // name
		6:  nil, // ports
		8:  nil, // resources
		24: nil, // restartPolicy
	}}
	// volumeMask keeps a volume's name and, of its source, the claims.
	volumeMask = &mask{fields: map[protowire.Number]*mask{
		1: nil, // name
		2: {fields: map[protowire.Number]*mask{ // volumeSource
			10: nil, // persistentVolumeClaim
			29: nil, // ephemeral
		}},
	}}
	podRequestsSpec = map[protowire.Number]*mask{
		2:  containerMask, // containers
		10: nil,           // nodeName
		20: containerMask, // initContainers
		32: nil,           // overhead
		40: nil,           // resources (pod level)
	}

	// boundPodMask keeps what cluster.Bind reads.
	boundPodMask = &mask{fields: map[protowire.Number]*mask{
		1: {fields: map[protowire.Number]*mask{ // metadata
			1:  nil, // name
			3:  nil, // namespace
			5:  nil, // uid
			8:  nil, // creationTimestamp
			9:  nil, // deletionTimestamp
			11: nil, // labels
		}},
		2: {fields: with(podRequestsSpec, map[protowire.Number]*mask{ // spec
			1:  volumeMask, // volumes
			18: nil,        // affinity
			25: nil,        // priority
		})},
	}}

	// containerStatusMask keeps a container status's name, waiting reason,
	// exit code and reason if it has ended, how its last run ended, and
	// restarts.
	containerStatusMask = &mask{fields: map[protowire.Number]*mask{
		1: nil, // name
		2: {fields: map[protowire.Number]*mask{ // state
			1: {fields: map[protowire.Number]*mask{1: nil}},         // waiting: reason
			3: {fields: map[protowire.Number]*mask{1: nil, 3: nil}}, // terminated: exitCode, reason
		}},
		3: {fields: map[protowire.Number]*mask{ // lastState
			3: {fields: map[protowire.Number]*mask{1: nil, 3: nil, 6: nil}}, // terminated: exitCode, reason, finishedAt
		}},
		5: nil, // restartCount
	}}

	// summaryPodMask keeps what cluster.Summarize reads.
	summaryPodMask = &mask{fields: map[protowire.Number]*mask{
		1: {fields: map[protowire.Number]*mask{ // metadata
			1:  nil,                                             // name
			3:  nil,                                             // namespace
			9:  nil,                                             // deletionTimestamp
			10: nil,                                             // deletionGracePeriodSeconds
			11: nil,                                             // labels
			12: {keys: []string{corev1.MirrorPodAnnotationKey}}, // annotations
			13: nil,                                             // ownerReferences
			14: nil,                                             // finalizers
		}},
		2: {fields: with(podRequestsSpec, map[protowire.Number]*mask{ // spec
			3:  nil, // restartPolicy
			22: nil, // tolerations
		})},
		3: {fields: map[protowire.Number]*mask{ // status
			1: nil, // phase
			2: {fields: map[protowire.Number]*mask{ // conditions
				1: nil, // type
				2: nil, // status
			}},
			8:  containerStatusMask, // containerStatuses
			10: containerStatusMask, // initContainerStatuses
		}},
	}}
)

func with(a, b map[protowire.Number]*mask) map[protowire.Number]*mask {
	out := make(map[protowire.Number]*mask, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

var errMalformed = errors.New("malformed protobuf message")

// appendMasked appends to dst the fields of msg that m keeps, in their order.
// Fields of a nested message are masked in place; the result is itself a
// valid encoding of the message with the other fields unset.
func appendMasked(dst, msg []byte, m *mask) ([]byte, error) {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return dst, errMalformed
		}
		vn := protowire.ConsumeFieldValue(num, typ, msg[n:])
		if vn < 0 {
			return dst, errMalformed
		}
		whole := msg[:n+vn]
		msg = msg[n+vn:]
		sub, ok := m.fields[num]
		switch {
		case !ok:
			continue
		case sub == nil:
			dst = append(dst, whole...)
			continue
		case typ != protowire.BytesType:
			return dst, errMalformed
		}
		value, _ := protowire.ConsumeBytes(whole[n:])
		if sub.keys != nil {
			if key, ok := field(value, 1); ok && slices.Contains(sub.keys, string(key)) {
				dst = append(dst, whole...)
			}
			continue
		}
		dst = protowire.AppendTag(dst, num, protowire.BytesType)
		start := len(dst)
		var err error
		if dst, err = appendMasked(dst, value, sub); err != nil {
			return dst, err
		}
		dst = insertLength(dst, start)
	}
	return dst, nil
}

// insertLength puts the varint length of dst[start:] before it.
func insertLength(dst []byte, start int) []byte {
	body := len(dst) - start
	var buf [binary.MaxVarintLen64]byte
	l := protowire.AppendVarint(buf[:0], uint64(body))
	dst = append(dst, l...)
	copy(dst[start+len(l):], dst[start:start+body])
	copy(dst[start:], l)
	return dst
}

// protobufObject returns the bytes of the object inside a protobuf-encoded
// API response or embedded object: the "k8s\0" magic, then a runtime.Unknown
// whose field 2 holds the object. ok is false for any other encoding.
func protobufObject(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, protobufMagic) {
		return nil, false
	}
	return field(b[len(protobufMagic):], 2)
}

// PodFields names the fields a PodDecoder keeps.
type PodFields int

const (
	// BoundPod keeps what the scheduler counts of a pod bound to a node
	// (cluster.Bind).
	BoundPod PodFields = iota
	// PodSummary keeps what explaining a node needs of its pods
	// (cluster.Summarize).
	PodSummary
)

// PodDecoder decodes pods from their protobuf encoding, keeping only some of
// their fields. It reuses one buffer for the masked bytes: not safe for
// concurrent use.
type PodDecoder struct {
	mask *mask
	buf  []byte
}

// NewPodDecoder returns a decoder that keeps the fields f names.
func NewPodDecoder(f PodFields) *PodDecoder {
	if f == BoundPod {
		return &PodDecoder{mask: boundPodMask}
	}
	return &PodDecoder{mask: summaryPodMask}
}

// Decode decodes one Pod message (without envelope).
func (d *PodDecoder) Decode(msg []byte) (*corev1.Pod, error) {
	var err error
	d.buf, err = appendMasked(d.buf[:0], msg, d.mask)
	if err != nil {
		return nil, fmt.Errorf("decoding a pod: %w", err)
	}
	pod := &corev1.Pod{}
	if err := pod.Unmarshal(d.buf); err != nil {
		return nil, fmt.Errorf("decoding a pod: %w", err)
	}
	return pod, nil
}

// Object is Decode as a runtime.Object, for List.Decode.
func (d *PodDecoder) Object(msg []byte) (runtime.Object, error) {
	return d.Decode(msg)
}

// DecodeNode decodes one whole Node message (without envelope).
func DecodeNode(msg []byte) (runtime.Object, error) {
	node := &corev1.Node{}
	if err := node.Unmarshal(msg); err != nil {
		return nil, fmt.Errorf("decoding a node: %w", err)
	}
	return node, nil
}

// eachListItem calls each for every item (field 2) of a protobuf-encoded
// list message, in order.
func eachListItem(list []byte, each func([]byte) error) error {
	for len(list) > 0 {
		num, typ, n := protowire.ConsumeTag(list)
		if n < 0 {
			return errMalformed
		}
		if num == 2 && typ == protowire.BytesType {
			v, vn := protowire.ConsumeBytes(list[n:])
			if vn < 0 {
				return errMalformed
			}
			if err := each(v); err != nil {
				return err
			}
			list = list[n+vn:]
			continue
		}
		vn := protowire.ConsumeFieldValue(num, typ, list[n:])
		if vn < 0 {
			return errMalformed
		}
		list = list[n+vn:]
	}
	return nil
}
