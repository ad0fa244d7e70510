-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN     "bundleDigest" TEXT;

-- CreateTable
CREATE TABLE "Bundle" (
    "digest" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "signature" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "application" TEXT NOT NULL,
    "applicationId" TEXT NOT NULL,
    "repoUrl" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "objectCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Bundle_pkey" PRIMARY KEY ("digest")
);

-- CreateIndex
CREATE INDEX "Bundle_application_sha_idx" ON "Bundle"("application", "sha");

-- CreateIndex
CREATE INDEX "DeploymentTarget_clusterId_bundleDigest_idx" ON "DeploymentTarget"("clusterId", "bundleDigest");
