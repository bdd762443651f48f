package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NginxConfigTest {
  static final String DEBIAN_LIGHT = "nginx version: nginx/1.22.1\nconfigure arguments: --prefix=/usr/share/nginx "
      + "--http-client-body-temp-path=/var/lib/nginx/body --http-proxy-temp-path=/var/lib/nginx/proxy";

  @Test
  void oneWorkerAKeepAlivePoolToTheMockUnbufferedAndEveryFileInTheProcessesDirectory() {
    String conf = NginxConfig.render(41001, 41000, Path.of("/tmp/out/processes"), DEBIAN_LIGHT);
    for (String line : List.of(
        "daemon off;",
        "worker_processes 1;",
        "pid /tmp/out/processes/nginx.pid;",
        "error_log /tmp/out/processes/nginx-error.log warn;",
        "access_log off;",
        "server 127.0.0.1:41000;",
        "keepalive " + NginxConfig.UPSTREAM_KEEPALIVE + ";",
        "listen 127.0.0.1:41001;",
        "proxy_pass http://mock_llm;",
        "proxy_http_version 1.1;",
        "proxy_set_header Connection \"\";",
        "proxy_buffering off;",
        "client_body_temp_path /tmp/out/processes/nginx-temp/client_body;",
        "proxy_temp_path /tmp/out/processes/nginx-temp/proxy;",
        "uwsgi_temp_path /tmp/out/processes/nginx-temp/uwsgi;")) {
      assertTrue(conf.contains(line), "lacks '" + line + "':\n" + conf);
    }
    assertFalse(conf.contains("/var/"), "nothing outside the processes directory:\n" + conf);
  }

  @Test
  void aModuleBuiltWithoutGetsNoTempPathItsDirectiveWouldBeUnknown() {
    String conf = NginxConfig.render(2, 1, Path.of("/d"), DEBIAN_LIGHT + " --without-http_uwsgi_module --without-http_scgi_module");
    assertFalse(conf.contains("uwsgi_temp_path"), conf);
    assertFalse(conf.contains("scgi_temp_path"), conf);
    assertTrue(conf.contains("fastcgi_temp_path /d/nginx-temp/fastcgi;"), conf);
    assertTrue(conf.contains("client_body_temp_path"), conf);
  }

  @Test
  void theCommandNamesThePrefixTheStartupErrorLogAndTheConfig() {
    assertEquals(List.of("/usr/sbin/nginx", "-p", "/d/", "-e", "/d/nginx-error.log", "-c", "/d/nginx.conf"),
        NginxConfig.command("/usr/sbin/nginx", Path.of("/d/nginx.conf"), Path.of("/d")));
  }

  @Test
  void peersAreNamedByIdOrTheShortReference() {
    assertEquals(Peer.REFERENCE_PROXY, Peer.parse("reference"));
    assertEquals(Peer.REFERENCE_PROXY, Peer.parse(" Reference-Proxy "));
    assertEquals(Peer.NGINX, Peer.parse("nginx"));
    assertEquals(List.of("reference-proxy", "nginx", "baseline"), Peer.ids());
  }
}
