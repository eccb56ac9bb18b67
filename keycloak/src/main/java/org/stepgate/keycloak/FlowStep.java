package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import org.keycloak.common.ClientConnection;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * What {@link Confirmation} needs from Keycloak, the same whether the authenticator or the
 * required action is running: the two SPIs hand over different context objects for one sign-in,
 * holding the same models, and end a step in their own ways.
 */
abstract class FlowStep {
  final KeycloakSession session;
  final RealmModel realm;
  final UserModel user;
  final AuthenticationSessionModel authSession;
  final ClientConnection connection;
  final HttpRequest request;

  FlowStep(
      KeycloakSession session,
      RealmModel realm,
      UserModel user,
      AuthenticationSessionModel authSession,
      ClientConnection connection,
      HttpRequest request) {
    this.session = session;
    this.realm = realm;
    this.user = user;
    this.authSession = authSession;
    this.connection = connection;
    this.request = request;
  }

  /** A new form for one page (Keycloak's LoginFormsProvider keeps what was set on it). */
  abstract LoginFormsProvider form();

  /** The id of the authenticator's settings (AuthenticatorConfigModel) this sign-in uses. */
  abstract String settingsId();

  /** Shows a page and waits for the person's answer; {@code wrongCode} counts as a failed attempt. */
  abstract void show(Response page, boolean wrongCode);

  /** This step is over; the sign-in goes on. */
  abstract void proceed();

  /** The sign-in stops here with this page. */
  abstract void refuse(Outcome.Reason reason, Response page);

  /**
   * stepgate wants a mobile number first. The authenticator hands over to the required action
   * (true); the required action asks for it itself (false).
   */
  abstract boolean handsOverRegistration();
}
