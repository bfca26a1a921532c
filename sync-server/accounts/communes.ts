/**
 * The registry of the Métropole's communes, read from @etalab/decoupage-administratif
 * (never hand-typed): members of EPCI 200054807, Métropole d'Aix-Marseille-Provence.
 */
import { createRequire } from 'node:module';
import { slugify } from '../../site/siteDoc';

export const METROPOLE_EPCI = '200054807';
export const METROPOLE_COMMUNE_COUNT = 92;

export interface Commune {
  insee: string;
  name: string;
  slug: string;
  siren: string;
  population: number;
}

interface EpciMember {
  code: string;
  nom: string;
  siren?: string;
  populationTotale?: number;
  populationMunicipale?: number;
}

interface Epci {
  code: string;
  membres?: EpciMember[];
}

export function loadMetropoleCommunes(): Commune[] {
  const require = createRequire(import.meta.url);
  const epcis = require('@etalab/decoupage-administratif/data/epci.json') as Epci[];
  const metropole = epcis.find((e) => e.code === METROPOLE_EPCI);
  const members = metropole?.membres ?? [];
  if (members.length !== METROPOLE_COMMUNE_COUNT) {
    throw new Error(
      `expected ${METROPOLE_COMMUNE_COUNT} communes in EPCI ${METROPOLE_EPCI}, found ${members.length}`,
    );
  }
  const communes = members.map((m) => ({
    insee: m.code,
    name: m.nom,
    slug: slugify(m.nom),
    siren: m.siren ?? '',
    population: m.populationMunicipale ?? m.populationTotale ?? 0,
  }));
  const slugs = new Set(communes.map((c) => c.slug));
  if (slugs.size !== communes.length) throw new Error('two communes of the Métropole share a slug');
  return communes.sort((a, b) => (a.insee < b.insee ? -1 : 1));
}
