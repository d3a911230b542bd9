export { demoOrganization, generatedOrganization, guestLoadOrganization, seededRandom, type SeedOrganization, type SeedPerson } from './people';
