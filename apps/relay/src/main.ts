import './instrument';
import 'reflect-metadata';
import { relayService } from '@parley/relay-feature';
import { runService } from '@parley/service-runtime';

void runService(relayService);
