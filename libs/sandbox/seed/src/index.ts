export { demoOrganization, generatedOrganization, seededRandom, type SeedOrganization, type SeedPerson } from './people';
