-- AlterEnum
ALTER TYPE "TriggerType" ADD VALUE 'selfheal';

-- CreateTable
CREATE TABLE "ApplicationClusterState" (
    "applicationId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "sha" TEXT,
    "drifted" BOOLEAN NOT NULL DEFAULT false,
    "drift" JSONB NOT NULL DEFAULT '[]',
    "driftDetectedAt" TIMESTAMPTZ(3),
    "health" TEXT,
    "healthReason" TEXT,
    "checkedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ApplicationClusterState_pkey" PRIMARY KEY ("applicationId","clusterId")
);

-- CreateIndex
CREATE INDEX "ApplicationClusterState_clusterId_idx" ON "ApplicationClusterState"("clusterId");

-- AddForeignKey
ALTER TABLE "ApplicationClusterState" ADD CONSTRAINT "ApplicationClusterState_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplicationClusterState" ADD CONSTRAINT "ApplicationClusterState_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
