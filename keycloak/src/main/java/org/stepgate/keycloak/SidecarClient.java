package org.stepgate.keycloak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The sidecar API (docs/sidecar-api.yaml) over the JDK's HTTP client: one method per call the
 * authenticator and the required action make. Every call carries the bearer token and gives up
 * after the configured timeout.
 */
public final class SidecarClient {
  private static final Logger LOG = Logger.getLogger(SidecarClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "/sidecar/v1";
  private static final String USER_AGENT = "stepgate-keycloak/" + Version.PROVIDER;

  /** One HTTP client (its connection pool and selector thread) per timeout, shared by all realms. */
  private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

  private final URI base;
  private final String token;
  private final Duration timeout;

  public SidecarClient(StepgateSettings settings) {
    this.base = settings.url();
    this.token = settings.token();
    this.timeout = settings.timeout();
  }

  public SidecarAnswer evaluate(SignIn signIn) throws SidecarUnreachable {
    return post("/evaluate", signIn.toJson());
  }

  public SidecarAnswer transaction(String id) throws SidecarUnreachable {
    return call("GET", "/transactions/" + id, null);
  }

  public SidecarAnswer send(String id, String method) throws SidecarUnreachable {
    return post("/transactions/" + id + "/send", object().put("method", method));
  }

  public SidecarAnswer verify(String id, String method, String code) throws SidecarUnreachable {
    return post("/transactions/" + id + "/verify", object().put("method", method).put("code", code));
  }

  public SidecarAnswer registerMobile(String id, String phone) throws SidecarUnreachable {
    return post("/transactions/" + id + "/mobile", object().put("phone", phone));
  }

  public SidecarAnswer verifyMobile(String id, String code) throws SidecarUnreachable {
    return post("/transactions/" + id + "/mobile/verify", object().put("code", code));
  }

  public SidecarAnswer declineMobile(String id) throws SidecarUnreachable {
    return post("/transactions/" + id + "/mobile/decline", object());
  }

  private static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  private SidecarAnswer post(String path, JsonNode body) throws SidecarUnreachable {
    return call("POST", path, body);
  }

  private SidecarAnswer call(String method, String path, JsonNode body) throws SidecarUnreachable {
    URI uri = URI.create(base + API + path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json")
            .header("User-Agent", USER_AGENT);
    if (body == null) {
      request.GET();
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response = send(method, uri, request.build(), true);
    return answer(method, uri, response.statusCode(), response.body());
  }

  /**
   * A connection that breaks before any answer is tried once more, on a new one. The JDK keeps
   * idle connections far longer than stepgate does (server.keep_alive_timeout, 5 s by default),
   * and a request sent just as stepgate closes an idle one gets no answer at all; stepgate did
   * not act on it. No connection at all, or no answer in time, is not retried.
   */
  private HttpResponse<String> send(String method, URI uri, HttpRequest request, boolean mayRetry)
      throws SidecarUnreachable {
    try {
      return client().send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw new SidecarUnreachable(
          "stepgate did not answer " + method + " " + uri + " within " + timeout.toSeconds() + " s", e);
    } catch (ConnectException e) {
      throw new SidecarUnreachable("stepgate cannot be reached at " + uri + ": " + e, e);
    } catch (IOException e) {
      if (mayRetry) {
        LOG.debugf("stepgate: the connection broke before an answer to %s %s (%s); trying once more", method, uri, e);
        return send(method, uri, request, false);
      }
      throw new SidecarUnreachable("stepgate cannot be reached at " + uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SidecarUnreachable("interrupted while calling stepgate at " + uri, e);
    }
  }

  static SidecarAnswer answer(String method, URI uri, int status, String text) throws SidecarUnreachable {
    JsonNode json = parse(text);
    SidecarAnswer answer = new SidecarAnswer(status, json);
    boolean unavailable =
        (status == 503 && "unavailable".equals(answer.error()))
            || status == 502
            || status == 504
            || (status >= 500 && json == null);
    if (unavailable) {
      String detail = json == null ? "" : ": " + answer.error() + " " + answer.message();
      throw new SidecarUnreachable("stepgate answered " + method + " " + uri + " with " + status + detail, null);
    }
    return answer;
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) return null;
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private HttpClient client() {
    return CLIENTS.computeIfAbsent(
        timeout,
        t ->
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(t)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
  }
}
