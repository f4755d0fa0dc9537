package loggen

import "slices"

// scanPaths are the probes of the /scan route: each a path of its own.
var scanPaths = []string{"/wp-login.php", "/.env", "/.git/config", "/phpmyadmin/index.php", "/actuator/health", "/server-status"}

// Endpoints returns the number of distinct endpoints (by path shape, any
// method) the generator calls: what `report ... --by route` should group
// the sample into. The probes of the website scanner are separate paths,
// each its own endpoint.
func Endpoints() int {
	var tmpls []string
	for _, rs := range [][]route{apigwRoutes, nginxJSONRoutes, envoyRoutes, jsonlRoutes, nginxRoutes, {healthRoute}} {
		for _, r := range rs {
			if r.tmpl == "/scan" {
				tmpls = append(tmpls, scanPaths...)
				continue
			}
			tmpls = append(tmpls, r.tmpl)
		}
	}
	slices.Sort(tmpls)
	return len(slices.Compact(tmpls))
}
