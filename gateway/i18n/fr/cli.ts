/** Français : ce qu'affiche la ligne de commande (bin/). */
import type { cli as english } from '../en/cli.js';

export const cli: Record<keyof typeof english, string> = {};
