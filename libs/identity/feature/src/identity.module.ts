import { Module } from '@nestjs/common';
import { DirectoryObservationHandler } from './people/directory-observation.handler';

@Module({ controllers: [DirectoryObservationHandler] })
export class IdentityModule {}
