package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestMerchantDeliveryViewHidesBodiesAndURLs: a merchant's delivery logs
// (the connection's and the connected app's) and the answer to a
// merchant's redelivery show each delivery's state, times and HTTP
// statuses only: the developer's callback URL, the payload and the app's
// answer appear in the developer's view alone.
func TestMerchantDeliveryViewHidesBodiesAndURLs(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	rcv := newReceiver(t, nil)
	c := mustConnect(t, env, owner, rcv.srv.URL+"/hooks-secret-path")
	runRetrier(t, env, time.Now())

	leaks := func(what string, resp apigw.Response) {
		t.Helper()
		mustStatus(t, what, resp, http.StatusOK)
		for _, secret := range []string{"hooks-secret-path", rcv.srv.URL, `{\"ok\":true}`, `\"connection_id\"`, `"url"`, `"body"`, `"response"`} {
			if strings.Contains(resp.Body, secret) {
				t.Errorf("%s shows %s to the merchant: %s", what, secret, resp.Body)
			}
		}
		if !strings.Contains(resp.Body, `"status":200`) || !strings.Contains(resp.Body, `"state":"succeeded"`) {
			t.Errorf("%s lost the status: %s", what, resp.Body)
		}
	}
	connParams := map[string]string{"connectionId": c.connectionID}
	leaks("connection log", owner.call(t, api.ListConnectionDeliveriesFunction(env), http.MethodGet, connPath(c.connectionID, "deliveries"), connParams, nil))
	appParams := map[string]string{"appId": c.app.ClientID}
	appPath := "/admin/v1/apps/" + c.app.ClientID + "/deliveries"
	resp := owner.call(t, api.ListConnectedAppDeliveriesFunction(env), http.MethodGet, appPath, appParams, nil)
	leaks("connected-app log", resp)
	page := mustDecode[switchboard.DeliveryPage](t, resp)
	if len(page.Deliveries) == 0 {
		t.Fatal("no delivery")
	}
	ev := map[string]string{"eventId": page.Deliveries[0].EventID}
	leaks("connected-app redelivery", owner.call(t, api.RedeliverConnectedAppFunction(env), http.MethodPost, appPath+"/redeliver", appParams, ev))
	leaks("connection redelivery", owner.call(t, api.RedeliverConnectionFunction(env), http.MethodPost, connPath(c.connectionID, "deliveries", "redeliver"), connParams, ev))

	// The developer (here the same account) sees everything.
	dev := owner.call(t, api.ListAppDeliveriesFunction(env), http.MethodGet, "/admin/v1/developer/apps/"+c.app.ClientID+"/deliveries", appParams, nil)
	mustStatus(t, "developer log", dev, http.StatusOK)
	for _, want := range []string{"hooks-secret-path", `"body"`, `"response"`} {
		if !strings.Contains(dev.Body, want) {
			t.Errorf("the developer's log lacks %s: %s", want, dev.Body)
		}
	}
}
