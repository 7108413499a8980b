package plugintest

import (
	"reflect"
	"testing"
)

func TestAuditVerbs(t *testing.T) {
	log := []byte(`{"kind":"Event","verb":"list","requestURI":"/api/v1/nodes?resourceVersion=0","user":{"username":"alice"}}
{"kind":"Event","verb":"create","requestURI":"/api/v1/pods","user":{"username":"admin"}}
{"kind":"Event","verb":"watch","requestURI":"/api/v1/pods?watch=true","user":{"username":"alice"}}
{"kind":"Event","verb":"get","requestURI":"/version","user":{"username":"alice-2"}}
`)
	want := map[string][]string{"list": {"/api/v1/nodes?resourceVersion=0"}, "watch": {"/api/v1/pods?watch=true"}}
	if got := AuditVerbs(log, "alice"); !reflect.DeepEqual(got, want) {
		t.Errorf("AuditVerbs = %v, want %v", got, want)
	}
}
