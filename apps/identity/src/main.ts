import './instrument';
import 'reflect-metadata';
import { identityService } from '@parley/identity-feature';
import { runService } from '@parley/service-runtime';

void runService(identityService);
