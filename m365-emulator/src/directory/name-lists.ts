/**
 * Vocabulary for generated tenants. The lists deliberately mix apostrophes, diacritics and
 * non-Latin-1 letters, because those are what break naive UPN handling and search in real tenants.
 */

/** Given names (Unicode kept as people write them). */
export const GIVEN_NAMES: readonly string[] = [
  'Adele',
  'Alex',
  'Allan',
  'Ama',
  'Ana',
  'Åsa',
  'Ben',
  'Björn',
  'Camille',
  'Carlos',
  'Chen',
  'Chloé',
  'Christie',
  'Conor',
  'Dafydd',
  'Daniel',
  'Debra',
  'Diego',
  'Dmitri',
  'Élodie',
  'Emily',
  'Enrico',
  'Fatima',
  'François',
  'Grady',
  'Hana',
  'Henrietta',
  'Ingrid',
  'Irvin',
  'Isaiah',
  'Jakub',
  'José',
  'Johanna',
  'Joni',
  'Kenji',
  'Lee',
  'Lidia',
  'Lynne',
  'Malik',
  'Mary',
  'Megan',
  'Miriam',
  'Nestor',
  'Niamh',
  'Nuño',
  'Olga',
  'Patti',
  'Pradeep',
  'Priya',
  'Raúl',
  'Renée',
  'Siobhán',
  'Søren',
  'Sven',
  'Tomás',
  'Þóra',
  'Wei',
  'Yuki',
  'Zoë',
  'Zofia',
];

/** Surnames, including apostrophe names (O'Neil, D'Angelo) that end up in UPNs. */
export const SURNAMES: readonly string[] = [
  'Adams',
  'Bowen',
  'Brown',
  'Çelik',
  'Chowdhury',
  "D'Angelo",
  'Dubois',
  'Duarte',
  'Ferreira',
  'García',
  'Gonzalez',
  'Gruber',
  'Hansen',
  'Ivanova',
  'Jensen',
  'Johnson',
  'Kowalski',
  'Lambert',
  'Lindqvist',
  'López',
  "M'Bala",
  'MacDonald',
  'Mäkinen',
  'Martínez',
  'Miller',
  'Müller',
  'Nakamura',
  'Nguyen',
  'Núñez',
  "O'Brien",
  "O'Neil",
  "O'Sullivan",
  'Østergaard',
  'Patel',
  'Peña',
  'Rossi',
  'Schäfer',
  'Singh',
  'Smith',
  'Ström',
  'Sánchez',
  'Tanaka',
  'Taylor',
  'Van der Berg',
  'Vance',
  'Wagner',
  'Walker',
  'Wang',
  'Wilber',
  'Yilmaz',
  'Zieliński',
  'Żak',
];

/** Job titles, with the department each belongs to (department is derived, never stored). */
export const JOB_TITLES: readonly (readonly [title: string, department: string])[] = [
  ['Accountant', 'Finance'],
  ['Financial Analyst', 'Finance'],
  ['Controller', 'Finance'],
  ['Sales Representative', 'Sales'],
  ['Account Executive', 'Sales'],
  ['Sales Manager', 'Sales'],
  ['Marketing Specialist', 'Marketing'],
  ['Brand Manager', 'Marketing'],
  ['Software Engineer', 'Engineering'],
  ['Senior Software Engineer', 'Engineering'],
  ['Site Reliability Engineer', 'Engineering'],
  ['Product Manager', 'Product'],
  ['UX Designer', 'Product'],
  ['HR Generalist', 'Human Resources'],
  ['Recruiter', 'Human Resources'],
  ['Legal Counsel', 'Legal'],
  ['IT Administrator', 'IT'],
  ['Security Analyst', 'IT'],
  ['Helpdesk Technician', 'IT'],
  ['Customer Success Manager', 'Customer Success'],
  ['Support Engineer', 'Customer Success'],
  ['Procurement Officer', 'Operations'],
  ['Operations Manager', 'Operations'],
  ['Chief Executive Officer', 'Executive'],
  ['Chief Financial Officer', 'Executive'],
];

/** Office locations users are spread over. */
export const OFFICES: readonly string[] = [
  'Redmond',
  'London',
  'Dublin',
  'München',
  'Zürich',
  'Montréal',
  'São Paulo',
  'Tokyo',
  'Bengaluru',
  'Stockholm',
  'Kraków',
  'Madrid',
];

/** Preferred languages (BCP 47), matching the name mix above. */
export const LANGUAGES: readonly string[] = [
  'en-US',
  'en-GB',
  'de-DE',
  'fr-FR',
  'es-ES',
  'sv-SE',
  'ja-JP',
  'pl-PL',
  'pt-BR',
];

/** Shared mailbox names (real tenants always have a handful). */
export const SHARED_MAILBOXES: readonly string[] = [
  'Accounts Payable',
  'Support',
  'Reception',
  'Recruiting',
  'Facilities',
  'Press Office',
  'Invoices',
  'IT Service Desk',
  'Bookings',
  'Compliance',
];

/** Partner domains guests come from. */
export const GUEST_DOMAINS: readonly string[] = [
  'fabrikam.com',
  'northwindtraders.com',
  'adventure-works.com',
  'tailspintoys.com',
  'gmail.com',
  'outlook.com',
];

/** Kind of group, which decides groupTypes / mailEnabled / securityEnabled. */
export type GroupKind = 'security' | 'microsoft365' | 'distribution' | 'mailSecurity';

/**
 * Group names in the order generated tenants take them. The first twelve form the development
 * tenant's groups: prefix families ("Finance", "Finance EMEA", "Fin-Ops") that exercise search and
 * startswith, and parents (`parent` index) that make nested memberships.
 */
export const GROUP_BLUEPRINTS: readonly {
  name: string;
  kind: GroupKind;
  parent?: number;
  description: string;
}[] = [
  { name: 'Finance', kind: 'security', description: 'Everyone in the finance department' },
  {
    name: 'Finance EMEA',
    kind: 'security',
    parent: 0,
    description: 'Finance team for Europe, Middle East and Africa',
  },
  { name: 'Fin-Ops', kind: 'microsoft365', description: 'Financial operations collaboration space' },
  { name: 'Sales', kind: 'security', description: 'All sales staff' },
  { name: 'Sales Europe', kind: 'security', parent: 3, description: 'Sales team for Europe' },
  { name: 'All Company', kind: 'microsoft365', description: 'Company-wide announcements' },
  { name: 'Marketing', kind: 'microsoft365', description: 'Marketing team' },
  { name: 'Engineering', kind: 'security', description: 'Engineering department' },
  {
    name: 'IT Security',
    kind: 'mailSecurity',
    parent: 7,
    description: 'Security operations and incident response',
  },
  { name: 'Executives', kind: 'distribution', description: 'Leadership team distribution list' },
  { name: 'HR Benefits', kind: 'distribution', description: 'Questions about benefits' },
  { name: 'Project Zürich', kind: 'microsoft365', description: 'Office move to Zürich' },
  { name: 'Finance APAC', kind: 'security', parent: 0, description: 'Finance team for Asia Pacific' },
  { name: 'FinanceReporting', kind: 'distribution', description: 'Monthly finance reporting' },
  { name: 'Sales North America', kind: 'security', parent: 3, description: 'Sales team for North America' },
  { name: 'Sales-Ops', kind: 'microsoft365', description: 'Sales operations' },
  { name: 'Marketing 2025 Campaign', kind: 'microsoft365', description: 'Campaign planning' },
  { name: 'Engineering Platform', kind: 'security', parent: 7, description: 'Platform engineering' },
  { name: 'Legal', kind: 'security', description: 'Legal department' },
  { name: 'Customer Success', kind: 'microsoft365', description: 'Customer success team' },
  { name: 'Helpdesk Tier 1', kind: 'security', parent: 8, description: 'First-line support' },
  { name: 'R&D', kind: 'microsoft365', description: 'Research and development' },
  { name: 'Procurement', kind: 'distribution', description: 'Purchasing requests' },
  { name: "Women's Network", kind: 'microsoft365', description: 'Employee resource group' },
];

/** Words that make up further group names in large tenants (prefix collisions are intentional). */
export const GROUP_WORDS: readonly string[] = [
  'Finance',
  'Fin',
  'Sales',
  'Marketing',
  'Engineering',
  'Eng',
  'Project',
  'Team',
  'Ops',
  'Support',
  'HR',
  'Legal',
  'Security',
  'Data',
  'Cloud',
  'Mobile',
  'Apollo',
  'Zeus',
  'Atlas',
  'Nordics',
  'EMEA',
  'APAC',
  'DACH',
  'LATAM',
  'Café',
  'Québec',
  'Kraków',
];

/** Real Microsoft 365 SKU ids, so licence checks look like production data. */
export const LICENSE_SKUS: readonly string[] = [
  '6fd2c87f-b296-42f0-b197-1e91e994b900', // Office 365 E3 (ENTERPRISEPACK)
  '06ebc4ee-1bb5-47dd-8120-11324bc54e06', // Microsoft 365 E5 (SPE_E5)
  '05e9a617-0261-4cee-bb44-138d3ef5d965', // Microsoft 365 E3 (SPE_E3)
  'f245ecc8-75af-4f8e-b61f-27d8114de5f3', // Microsoft 365 Business Standard (O365_BUSINESS_PREMIUM)
];

/** User Administrator directory role template id. */
export const USER_ADMINISTRATOR_ROLE_ID = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
/** Exchange Administrator directory role template id. */
export const EXCHANGE_ADMINISTRATOR_ROLE_ID = '29232cdf-9323-42fd-ade2-1d097af3e4de';
/** Security Reader directory role template id. */
export const SECURITY_READER_ROLE_ID = '5d6b6bb7-de71-4623-b4af-96380a352509';
