/**
 * The registry of the Métropole's communes, read from @etalab/decoupage-administratif
 * (never hand-typed): members of EPCI 200054807, Métropole d'Aix-Marseille-Provence.
 */
import fs from 'node:fs';
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
  // Parsed here rather than required: require would keep the whole 4 MB registry of France's
  // EPCI in its cache (~6 MB of heap) for the server's life, for 92 communes used.
  const file = createRequire(import.meta.url).resolve('@etalab/decoupage-administratif/data/epci.json');
  const epcis = JSON.parse(fs.readFileSync(file, 'utf8')) as Epci[];
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
