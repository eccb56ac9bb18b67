/** Français : Pages d'erreur et erreurs affichées. */
import type { errors as english } from '../en/errors.js';

export const errors: Record<keyof typeof english, string> = {
  // Pages d'erreur
  'error.title.sign_in': "Vous n'êtes pas connecté",
  'error.title.confirm': "Votre identité n'est pas encore confirmée",
  'error.title.expired_form': 'Ce formulaire a expiré',
  'error.title.sign_in_failed': 'La connexion a échoué',
  'error.title.forbidden': 'Accès refusé',
  'error.title.not_found': 'Page introuvable',
  'error.title.locked': 'Trop de tentatives',
  'error.title.too_many': 'Réessayez plus tard',
  'error.title.service': 'Problème de service',
  'error.title.cannot_continue': 'Impossible de continuer',
  'error.next.label': 'Ce que vous pouvez faire',
  'error.next.try_again': 'Réessayer',
  'error.next.sign_in': 'Se connecter',
  'error.next.confirm': 'Confirmer votre identité',
  'error.next.continue_sign_in': 'Poursuivre la connexion',
  'error.next.settings': 'Vos paramètres de connexion',
  'error.next.application': "Aller à l'application",
  'error.next.sign_out': 'Se déconnecter',
  'error.reference': 'Référence : {reference}. Indiquez-la si vous contactez votre support à ce sujet.',

  // Erreurs affichées
  'error.invalid_credentials': "Le nom d'utilisateur ou le mot de passe est incorrect.",
  'error.sign_in_required': 'Connectez-vous pour continuer.',
  'error.confirmation_required': 'Confirmez votre identité pour continuer.',
  'error.forbidden': "Vous n'êtes pas autorisé à faire cela.",
  'error.access_denied': 'Votre organisation ne vous autorise pas à vous connecter ici.',
  'error.invalid_csrf_token':
    'Ce formulaire a expiré ou ne vient pas de ce site. Revenez en arrière, rechargez la page et réessayez.',
  'error.not_found': "Il n'y a rien à cette adresse.",
  'error.unsupported_media_type':
    'Envoyez la requête en application/json ou sous forme de formulaire (application/x-www-form-urlencoded).',
  'error.upstream_unavailable':
    "L'application derrière cette passerelle ne répond pas. Réessayez dans un instant.",
  'error.upstream_timeout':
    "L'application derrière cette passerelle a mis trop de temps à répondre. Réessayez dans un instant.",
  'error.unavailable.sign_in': 'La connexion est indisponible pour le moment. Réessayez dans un instant.',
  'error.unavailable.directory': "L'annuaire est indisponible pour le moment. Réessayez dans un instant.",
  'error.store_unavailable':
    'La connexion est indisponible pour le moment car sa base de données ne répond pas. Réessayez dans un instant.',
  'error.internal':
    'Un problème est survenu de notre côté. Réessayez ; si cela se reproduit, prévenez votre support.',
  'error.directory_entry_unusable':
    "Votre compte dans l'annuaire n'a pas de nom d'utilisateur utilisable par ce service. Prévenez votre support.",
  'error.saml_rejected':
    "La réponse de votre fournisseur d'identité n'a pas pu être acceptée. Essayez de vous reconnecter.",
  'error.invalid_json': "Le corps de la requête n'est pas du JSON valide.",
  'error.body_too_large': 'Le corps de la requête est trop volumineux.',
  'error.bad_request': "La requête n'a pas pu être comprise.",
  'error.locked': 'Vous avez dépassé le nombre de tentatives autorisé. Réessayez plus tard.',
  'error.rate_limited':
    'Impossible de vous envoyer un code de vérification pour le moment. Vous avez peut-être tenté trop de vérifications au cours de la dernière heure. Réessayez plus tard.',
  'error.sign_in_throttled':
    'Trop de tentatives de connexion ont échoué. Patientez un moment, puis réessayez.',
  'error.enter_username_password': "Saisissez votre nom d'utilisateur et votre mot de passe.",
  'error.enter_code': 'Saisissez le code.',
  'error.nothing_to_confirm': "Il n'y a rien à confirmer pour le moment.",
  'error.invalid_code': "Ce code n'est pas le bon. Vérifiez-le et réessayez.",
  'error.invalid_code_left.one': "Ce code n'est pas le bon. Il vous reste {count} tentative avec ce code.",
  'error.invalid_code_left.other': "Ce code n'est pas le bon. Il vous reste {count} tentatives avec ce code.",
  'error.code_void':
    'Ce code ne peut plus être utilisé après trop de tentatives erronées. Demandez un nouveau code.',
  'error.no_code': "Aucun code n'est actif. Demandez un nouveau code.",
  'error.invalid_method': 'Choisissez une des méthodes proposées : {methods}.',
  'error.no_mobile': "Votre compte n'a pas de numéro de mobile vérifié.",
  'error.no_email': "Votre compte n'a pas d'adresse e-mail.",
  'error.mobile_required': 'Votre organisation exige un numéro de mobile sur votre compte.',
  'error.mobile_needed':
    "Ajoutez un numéro de mobile pour continuer : votre compte n'a ni adresse e-mail ni application d'authentification pour confirmer que c'est bien vous.",
  'error.no_prompt': "Il n'y a pas de demande de numéro de mobile à refuser.",
  'error.invalid_phone': 'Saisissez un numéro de mobile au format international, par exemple {example}.',
  'error.country_not_allowed':
    'Les numéros de mobile de {country} ne sont pas acceptés ici. Autorisés : {allowed}.',
  'error.country_not_allowed.none':
    'Les numéros de mobile hors de tout pays ne sont pas acceptés ici. Autorisés : {allowed}.',
  'error.not_mobile':
    "Ce numéro n'est pas un numéro de mobile. Saisissez un numéro qui peut recevoir des SMS.",
  'error.sms_unavailable': 'Nous ne pouvons pas envoyer de SMS pour le moment.',
  'error.number_not_accepted': "Nous n'envoyons pas de SMS à ce numéro.",
  'error.sms_other_methods': "Choisissez un autre moyen de confirmer que c'est bien vous : {methods}.",
  'error.sms_try_later': 'Réessayez plus tard.',
  'error.sms_other_number': 'Saisissez un autre numéro de mobile.',
  'error.method_disabled': "{method} n'est pas activé ici.",
  'error.admin.no_credentials':
    "Envoyez un jeton d'API d'administration (Authorization: Bearer …) ou connectez-vous en tant que support pour utiliser ceci.",
  'error.admin.unconfirmed':
    "Confirmez votre identité pour terminer la connexion avant d'utiliser les outils du support.",
  'error.admin.no_permission': "Seul le support peut faire cela : il faut la permission '{permission}'.",
  'error.admin.choose_assign': "Choisissez d'attribuer ou de retirer l'ensemble de permissions.",
  'error.admin.choose_network': 'Choisissez un réseau à révoquer, ou révoquez tous les réseaux.',
};
