package dashboard_test

import (
	"reflect"
	"strings"
	"testing"

	"clockface/dashboard"
)

// TestNoBiometricDataInDashboardTypes walks every type the dashboard
// stores or renders: none may carry face data (requirement 7: the hub
// holds none), by field name or by a vector-shaped type.
func TestNoBiometricDataInDashboardTypes(t *testing.T) {
	banned := []string{"template", "descriptor", "embedding", "vector", "face", "image", "photo", "snapshot", "jpeg", "png", "biometric"}
	seen := map[reflect.Type]bool{}
	var walk func(path string, ty reflect.Type)
	walk = func(path string, ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Array || ty.Kind() == reflect.Map {
			if ty.Kind() == reflect.Slice || ty.Kind() == reflect.Array {
				if k := ty.Elem().Kind(); k == reflect.Float32 || k == reflect.Float64 {
					t.Errorf("%s is a float vector (%s): a face descriptor has no place on the hub", path, ty)
				}
			}
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			name := strings.ToLower(f.Name)
			for _, b := range banned {
				if strings.Contains(name, b) && name != "hasface" {
					t.Errorf("%s.%s: field name suggests biometric data", path, f.Name)
				}
			}
			walk(path+"."+f.Name, f.Type)
		}
	}
	for _, v := range []any{
		dashboard.User{}, dashboard.Audit{}, dashboard.Presence{}, dashboard.Timesheet{}, dashboard.Exception{},
		dashboard.ExportRecord{}, dashboard.DirectoryEntry{}, dashboard.KioskInfo{}, dashboard.MyPeriod{}, dashboard.Site{},
		dashboard.PairingCode{}, dashboard.CorrectionRequest{}, dashboard.NewRequest{},
	} {
		ty := reflect.TypeOf(v)
		walk(ty.Name(), ty)
	}
	if len(seen) < 10 {
		t.Fatalf("walked %d types, want every dashboard type", len(seen))
	}
}
