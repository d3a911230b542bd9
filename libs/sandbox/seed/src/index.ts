export { demoOrganization, generatedOrganization, guestLoadOrganization, SeededRandom, seededRandom, type SeedOrganization, type SeedPerson } from './people';
