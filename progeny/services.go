package progeny

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Service names.
const (
	ServiceRegisterFace     = "register_face"
	ServiceAuthenticateFace = "authenticate_face"
	ServiceFaceLiveness     = "face_liveness"
	ServiceKYCCard          = "kyc_card"
	ServiceKYCPassport      = "kyc_passport"
	ServiceOCRCard          = "ocr_card"
	ServiceOCRPassport      = "ocr_passport"
)

// Field is one image field of a service's form.
type Field struct {
	Name string
	Face bool // holds a face (a selfie), judged with the face rules; otherwise a document
}

// Service is one Progeny service and its image fields, in the order the
// API documents them.
type Service struct {
	Name   string
	Fields []Field
	// NeedsUUID says the call takes the uuid of a registered face.
	NeedsUUID bool
}

// services is the one table of Progeny's services: the client, the CLI's
// submit and the proxy read it through Services and LookupService.
var services = []Service{
	{Name: ServiceRegisterFace, Fields: []Field{{"image", true}}},
	{Name: ServiceAuthenticateFace, Fields: []Field{{"image", true}}, NeedsUUID: true},
	{Name: ServiceFaceLiveness, Fields: []Field{{"image", true}}},
	{Name: ServiceKYCCard, Fields: []Field{{"selfie_image", true}, {"front_id", false}, {"back_id", false}}},
	{Name: ServiceKYCPassport, Fields: []Field{{"selfie_image", true}, {"passport_image", false}}},
	{Name: ServiceOCRCard, Fields: []Field{{"front_id", false}, {"back_id", false}}},
	{Name: ServiceOCRPassport, Fields: []Field{{"passport_image", false}}},
}

// Services returns Progeny's services (a copy), sorted by name.
func Services() []Service {
	out := make([]Service, len(services))
	for i, s := range services {
		s.Fields = slices.Clone(s.Fields)
		out[i] = s
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ServiceNames returns the services' names, sorted.
func ServiceNames() []string {
	var names []string
	for _, s := range Services() {
		names = append(names, s.Name)
	}
	return names
}

// LookupService returns the service called name.
func LookupService(name string) (Service, bool) {
	for _, s := range services {
		if s.Name == name {
			s.Fields = slices.Clone(s.Fields)
			return s, true
		}
	}
	return Service{}, false
}

// FaceField reports whether field of service holds a face. For a service
// not in the table, a field is a face when any service's field of that name
// is one.
func FaceField(service, field string) bool {
	if s, ok := LookupService(service); ok {
		for _, f := range s.Fields {
			if f.Name == field {
				return f.Face
			}
		}
		return false
	}
	for _, s := range services {
		for _, f := range s.Fields {
			if f.Name == field && f.Face {
				return true
			}
		}
	}
	return false
}

// files names images by the service's fields, in order.
func files(service string, images ...[]byte) []File {
	s, _ := LookupService(service)
	out := make([]File, len(images))
	for i, data := range images {
		out[i] = File{Field: s.Fields[i].Name, Data: data}
	}
	return out
}

// CallOptions are the optional fields every service takes.
type CallOptions struct {
	ExtendData bool // ask for extended result data
}

func (o *CallOptions) fields() map[string]string {
	f := map[string]string{}
	if o != nil && o.ExtendData {
		f["extend_data"] = "true"
	}
	return f
}

// Registration is register_face's result.
type Registration struct {
	Task *Task
	UUID string // the registered face's id, for AuthenticateFace
}

// RegisterFace registers the face in image (JPEG or PNG bytes).
func (c *Client) RegisterFace(ctx context.Context, image []byte, o *CallOptions) (*Registration, error) {
	t, err := c.Submit(ctx, ServiceRegisterFace, files(ServiceRegisterFace, image), o.fields())
	if err != nil {
		return nil, err
	}
	var d struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(t.Data, &d); err != nil || d.UUID == "" {
		return nil, fmt.Errorf("progeny: register_face result without a uuid: %s", snippet(t.Data))
	}
	return &Registration{Task: t, UUID: d.UUID}, nil
}

// Authentication is authenticate_face's result.
type Authentication struct {
	Task         *Task
	Match        bool
	MatchScore   float64
	ScorePercent float64
	Liveness     *Liveness
}

// AuthenticateFace compares the face in image with the registered face
// uuid.
func (c *Client) AuthenticateFace(ctx context.Context, uuid string, image []byte, o *CallOptions) (*Authentication, error) {
	if uuid == "" {
		return nil, fmt.Errorf("progeny: authenticate_face needs the uuid of a registered face")
	}
	fields := o.fields()
	fields["uuid"] = uuid
	t, err := c.Submit(ctx, ServiceAuthenticateFace, files(ServiceAuthenticateFace, image), fields)
	if err != nil {
		return nil, err
	}
	var d struct {
		Authentication struct {
			Result bool `json:"result"`
			Data   struct {
				MatchScore   json.Number `json:"matchScore"`
				ScorePercent json.Number `json:"scorePercent"`
			} `json:"data"`
		} `json:"authentication"`
	}
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return nil, fmt.Errorf("progeny: authenticate_face result: %w", err)
	}
	a := &Authentication{Task: t, Match: d.Authentication.Result, Liveness: t.Liveness}
	a.MatchScore = number(d.Authentication.Data.MatchScore)
	a.ScorePercent = number(d.Authentication.Data.ScorePercent)
	return a, nil
}

// FaceLiveness checks that the face in image is a live person.
func (c *Client) FaceLiveness(ctx context.Context, image []byte, o *CallOptions) (*Liveness, *Task, error) {
	t, err := c.Submit(ctx, ServiceFaceLiveness, files(ServiceFaceLiveness, image), o.fields())
	if err != nil {
		return nil, t, err
	}
	if t.Liveness == nil {
		return nil, t, fmt.Errorf("progeny: face_liveness result without a liveness verdict: %s", snippet(t.Data))
	}
	return t.Liveness, t, nil
}

// KYCCard runs liveness, face comparison and OCR on a selfie and both
// sides of an ID card. The result data is service-specific: see Task.Data.
func (c *Client) KYCCard(ctx context.Context, selfie, front, back []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceKYCCard, files(ServiceKYCCard, selfie, front, back), o.fields())
}

// KYCPassport runs liveness, face comparison and OCR on a selfie and a
// passport page.
func (c *Client) KYCPassport(ctx context.Context, selfie, passport []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceKYCPassport, files(ServiceKYCPassport, selfie, passport), o.fields())
}

// OCRCard reads both sides of an ID card.
func (c *Client) OCRCard(ctx context.Context, front, back []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceOCRCard, files(ServiceOCRCard, front, back), o.fields())
}

// OCRPassport reads a passport page.
func (c *Client) OCRPassport(ctx context.Context, passport []byte, o *CallOptions) (*Task, error) {
	return c.Submit(ctx, ServiceOCRPassport, files(ServiceOCRPassport, passport), o.fields())
}

func number(n json.Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}
