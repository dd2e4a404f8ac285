package progeny

import (
	"slices"
	"testing"
)

func TestServiceTable(t *testing.T) {
	names := ServiceNames()
	if !slices.IsSorted(names) || len(names) != 7 {
		t.Fatalf("ServiceNames() = %v, want the 7 services sorted", names)
	}
	for _, tc := range []struct {
		service, field string
		face           bool
	}{
		{ServiceKYCCard, "selfie_image", true},
		{ServiceKYCCard, "front_id", false},
		{ServiceKYCCard, "image", false}, // not a field of kyc_card
		{ServiceRegisterFace, "image", true},
		{ServiceOCRPassport, "passport_image", false},
		{"", "selfie_image", true}, // unknown service: by any service's field
		{"", "image", true},
		{"", "back_id", false},
		{"no_such_service", "other", false},
	} {
		if got := FaceField(tc.service, tc.field); got != tc.face {
			t.Errorf("FaceField(%q, %q) = %v, want %v", tc.service, tc.field, got, tc.face)
		}
	}
	s, ok := LookupService(ServiceAuthenticateFace)
	if !ok || !s.NeedsUUID || len(s.Fields) != 1 {
		t.Errorf("LookupService(authenticate_face) = %+v, %v", s, ok)
	}
	s.Fields[0].Name = "changed" // a copy: the table stays as it is
	if s2, _ := LookupService(ServiceAuthenticateFace); s2.Fields[0].Name != "image" {
		t.Error("LookupService returned the table's own slice")
	}
	if _, ok := LookupService("nope"); ok {
		t.Error("LookupService found an unknown service")
	}
	if f := files(ServiceKYCPassport, []byte("a"), []byte("b")); f[0].Field != "selfie_image" || f[1].Field != "passport_image" {
		t.Errorf("files(kyc_passport) = %+v", f)
	}
}
