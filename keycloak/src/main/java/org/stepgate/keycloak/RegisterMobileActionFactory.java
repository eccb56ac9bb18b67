package org.stepgate.keycloak;

import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the required action "Register a mobile number (stepgate)". */
public final class RegisterMobileActionFactory implements RequiredActionFactory {
  public static final String ID = "stepgate-register-mobile";

  private static final RegisterMobileAction ACTION = new RegisterMobileAction();

  @Override
  public String getId() {
    return ID;
  }

  @Override
  public String getDisplayText() {
    return "Register a mobile number (stepgate)";
  }

  @Override
  public RequiredActionProvider create(KeycloakSession session) {
    return ACTION;
  }

  @Override
  public void init(Config.Scope config) {}

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {}
}
